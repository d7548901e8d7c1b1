// Logging out: warns when changes have not reached the server, and keeps them either way.
import { pendingCounts } from '../db.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { logout } from '../session.js';

export function logoutButton() {
  return h('button', { type: 'button', class: 'link', 'data-testid': 'logout', onclick: async () => {
    const { mutations, photos } = await pendingCounts();
    if (mutations + photos > 0 && !confirm(t('logout.unsynced', { n: mutations + photos }))) return;
    await logout();
    location.hash = '';
    location.reload();
  } }, t('logout'));
}
