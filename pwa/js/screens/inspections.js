// "My inspections": planned and recent inspections by factory, and starting a new one (offline too).
import { records } from '../db.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { logoutButton } from './logout.js';

export async function showInspections(root, { user }) {
  const [inspections, factories, productionOrders, photos] = await Promise.all([
    records('inspection'), records('factory'), records('production_order'), records('photo')]);
  const pendingPhotos = new Set([...photos.values()].filter((p) => p.storage_state !== 'stored' || p._pending)
    .map((p) => p.inspection_id));
  const mine = [...inspections.values()]
    .filter((i) => user.role !== 'inspector' || !i.inspector_id || i.inspector_id === user.id)
    .sort((a, b) => (order(a) - order(b)) || String(b.planned_date || '').localeCompare(String(a.planned_date || '')));
  const byFactory = new Map();
  for (const inspection of mine) {
    const key = inspection.factory_id;
    if (!byFactory.has(key)) byFactory.set(key, []);
    byFactory.get(key).push(inspection);
  }
  const sections = [...byFactory.entries()].map(([factoryId, list]) => h('section', {},
    h('h2', {}, factories.get(factoryId)?.name || t('inspections.factory')),
    h('ul', { class: 'list' }, list.slice(0, 60).map((inspection) => h('li', {},
      h('a', { class: 'row', href: `#/inspection/${inspection.id}`, 'data-testid': 'inspection-link' },
        h('strong', {}, t(`type.${inspection.inspection_type}`)),
        h('span', {}, productionOrders.get(inspection.production_order_id)?.number || ''),
        h('span', {}, t('inspection.lot', { lot: inspection.lot_size })),
        h('span', { class: `badge ${inspection.status}` }, t(`status.${inspection.status}`)),
        inspection.verdict ? h('span', { class: `badge ${inspection.verdict}` }, t(`verdict.${inspection.verdict}`)) : null,
        pendingPhotos.has(inspection.id) ? h('span', { class: 'badge uploading' }, t('inspection.photos_uploading')) : null,
        inspection._refused ? h('span', { class: 'badge fail', 'data-testid': 'not-accepted' }, t('refused.badge')) : null,
      )))),
  ));
  const canCreate = ['inspector', 'manager', 'admin'].includes(user.role);
  mount(root,
    h('div', { class: 'toolbar' },
      h('h1', {}, t('inspections.title')),
      canCreate ? h('a', { class: 'button primary', href: '#/inspection/new', 'data-testid': 'new-inspection' }, t('inspections.new')) : null),
    sections.length ? sections : h('p', { class: 'muted' }, t('inspections.empty')),
    h('footer', { class: 'footer' }, h('span', {}, user.display_name), ' ',
      logoutButton()));
}

function order(inspection) {
  return { in_progress: 0, planned: 1, finalized: 2, cancelled: 3 }[inspection.status] ?? 4;
}
