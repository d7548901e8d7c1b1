// The inspections behind a figure: what a click on a bar or a row opens, with the same filters.
import { h, mount } from '../dom.js';
import { apiPath, csvPath, filtersFromHash, hashWith, loadFigures } from '../figures.js';
import { formatDay, t } from '../i18n.js';
import { csvLink, table } from './dashboard.js';
import { freshness } from './figure-filters.js';

const PAGE_SIZE = 50;

export async function showFigureInspections(root) {
  const filters = filtersFromHash();
  const page = Number(filters.page || 1);
  const extra = { page, page_size: PAGE_SIZE, defect_type_id: filters.defect_type_id, verdict: filters.verdict, inspector_id: filters.inspector_id };
  const answer = await loadFigures(apiPath('inspections', filters, extra));
  const data = answer.data;
  const back = h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => history.back() }, t('figures.back')));
  if (!data) {
    mount(root, back, h('h1', {}, t('figures.behind')), freshness([answer]));
    root.dataset.figuresReady = 'true';
    return;
  }
  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  mount(root, back,
    h('h1', {}, t('figures.behind')),
    freshness([answer]),
    h('div', { class: 'toolbar' }, h('p', { class: 'muted', 'data-testid': 'behind-count' }, t('figures.behind_count', { n: data.total })),
      csvLink(csvPath('inspections', filters, { defect_type_id: filters.defect_type_id, verdict: filters.verdict, inspector_id: filters.inspector_id }))),
    table(['figures.date', 'figures.factory', 'figures.type', 'figures.order', 'figures.verdict', 'figures.defects', 'figures.reason'],
      data.rows.map((r) => [
        h('a', { href: `#/inspection/${r.id}` }, formatDay(r.finished_at)), r.factory_name, t(`type.${r.inspection_type}`),
        r.po_number || r.production_order_number || '–',
        h('span', { class: `badge ${r.verdict}` }, t(`verdict.${r.verdict}`), r.reinspection_of_id ? ` (${t('figures.reinspection')})` : ''),
        `${r.defects.critical} / ${r.defects.major} / ${r.defects.minor}`, r.reason || '']), 'behind-table'),
    pages > 1 ? h('div', { class: 'actions' },
      page > 1 ? h('a', { class: 'button', href: hashWith('figures/inspections', { ...filters, page: page - 1 }) }, t('figures.previous')) : h('span'),
      h('span', {}, t('figures.page', { page, pages })),
      page < pages ? h('a', { class: 'button', href: hashWith('figures/inspections', { ...filters, page: page + 1 }) }, t('figures.next')) : h('span')) : null);
  root.dataset.figuresReady = 'true';
}
