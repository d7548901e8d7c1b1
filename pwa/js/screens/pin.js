// The PIN screen shown when the app opens for a user who set one.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { MAX_TRIES, checkPin } from '../pin.js';

export function showPinLock(root, { onUnlocked, onLockedOut }) {
  const input = h('input', { id: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 8, required: true });
  const message = h('p', { class: 'error', role: 'alert' });
  const unlock = h('button', { type: 'submit', class: 'primary', 'data-testid': 'unlock' }, t('pin.unlock'));
  mount(root, h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    // Checking takes a moment (PBKDF2): a PIN typed meanwhile would be wiped below and a try lost.
    input.readOnly = true;
    unlock.disabled = true;
    const result = await checkPin(input.value).finally(() => {
      input.readOnly = false;
      unlock.disabled = false;
    });
    input.value = '';
    if (result === true) return onUnlocked();
    if (result === 'locked-out') return onLockedOut();
    message.textContent = t('pin.wrong', { max: MAX_TRIES });
    return undefined;
  } },
  h('h1', {}, t('pin.title')),
  h('label', { for: 'pin' }, t('pin.label')), input,
  unlock,
  message));
  input.focus();
}
