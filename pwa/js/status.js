// The always-visible sync status: online or offline, what waits, the last success, errors with a retry.
import { h, mount } from './dom.js';
import { formatTime, onLocaleChange, t } from './i18n.js';
import { onStatus, syncNow } from './sync.js';

export function showStatus(root) {
  // The bar may wrap to a second line: what sticks below it (the inspection's summary) moves down with it.
  const bar = root.closest('.topbar');
  if (bar && globalThis.ResizeObserver) {
    new ResizeObserver(() => document.documentElement.style.setProperty('--topbar-height', `${bar.offsetHeight}px`)).observe(bar);
  }
  let last = null;
  onLocaleChange(() => last && draw(last));
  const draw = (s) => {
    last = s;
    const parts = [h('span', { class: s.online ? 'dot online' : 'dot offline' }), s.online ? t('status.online') : t('status.offline')];
    if (s.mutations) parts.push(h('span', { class: 'pill', 'data-testid': 'pending' }, t('status.waiting', { n: s.mutations })));
    if (s.photos) parts.push(h('span', { class: 'pill' }, t('status.photos', { n: s.photos })));
    if (s.issues) parts.push(h('a', { class: 'pill attention', href: '#/sync', 'data-testid': 'issues-pill' }, t('status.issues', { n: s.issues })));
    if (s.running) parts.push(h('span', { class: 'muted' }, t('status.syncing')));
    else if (s.lastSuccess) parts.push(h('span', { class: 'muted synced' }, t('status.synced', { time: formatTime(s.lastSuccess) })));
    // Offline is expected on the factory floor: no alarm for a network error then.
    if (s.error && !(s.error.kind === 'network' && !s.online)) {
      const text = s.error.kind === 'other' ? t('status.error.other', { message: s.error.message }) : t(`status.error.${s.error.kind}`);
      parts.push(h('span', { class: 'error' }, text), h('button', { type: 'button', class: 'link', onclick: () => syncNow() }, t('status.retry')));
    }
    mount(root, ...parts);
  };
  onStatus(draw);
}
