// On the sync screen: which events this user gets an e-mail for. The events are the server's
// (vocabulary: notification_events); the choices live on the server, so they are read and saved online only.
import { ApiError, getJson, request } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { words } from '../vocabulary.js';

const PATH = '/api/v1/notification-preferences';

export async function emailChoices() {
  const section = h('section', { class: 'card', 'data-testid': 'email-choices' }, h('h2', {}, t('notify.title')));
  const events = words('notification_events');
  let chosen = null;
  if (navigator.onLine && events.length) {
    chosen = await getJson(PATH).then((answer) => new Set(answer.events)).catch(() => null);
  }
  if (!chosen) {
    section.append(h('p', { class: 'muted' }, t('notify.offline')));
    return section;
  }
  const note = h('p', { role: 'status', 'data-testid': 'email-choices-note' });
  const save = async () => {
    const boxes = [...section.querySelectorAll('input[type=checkbox]')];
    try {
      await request('PUT', PATH, { json: { events: boxes.filter((box) => box.checked).map((box) => box.value) } });
      note.textContent = t('notify.saved');
    } catch (error) {
      note.textContent = error instanceof ApiError ? error.message : t('notify.offline');
    }
  };
  section.append(
    h('p', { class: 'muted' }, t('notify.explain')),
    ...events.map((event) => h('div', { class: 'field' },
      h('label', {},
        h('input', { type: 'checkbox', value: event, checked: chosen.has(event), 'data-testid': `email-${event}`, onchange: save }),
        ' ', t(`notify.event.${event}`)))),
    note);
  return section;
}
