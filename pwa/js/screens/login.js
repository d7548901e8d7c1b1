import { ApiError, NetworkError } from '../api.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { login } from '../session.js';

export function showLogin(root, { onLoggedIn }) {
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    message.textContent = '';
    try {
      await login(email.value, password.value);
      await onLoggedIn();
    } catch (error) {
      if (error instanceof NetworkError) message.textContent = t('login.offline');
      else if (error instanceof ApiError) message.textContent = error.status === 401 ? t('login.failed') : error.message;
      else throw error;
    }
  } },
  h('h1', {}, t('login.title')),
  h('label', { for: 'email' }, t('login.email')), email,
  h('label', { for: 'password' }, t('login.password')), password,
  h('button', { type: 'submit', class: 'primary' }, t('login.submit')),
  message);
  mount(root, form);
}
