// The designer's home: which defects come back most (the Pareto over every factory), filtered by
// style, category, type and dates, each bar opening the inspections where the defect was found.
import { records } from '../db.js';
import { h, mount } from '../dom.js';
import { apiPath, csvPath, filtersFromHash, loadFigures } from '../figures.js';
import { t } from '../i18n.js';
import { csvLink, paretoSection } from './dashboard.js';
import { filterForm, freshness } from './figure-filters.js';

export async function showDefectFigures(root, { user }) {
  const filters = filtersFromHash();
  mount(root, h('h1', {}, t('defects.title')), h('p', { class: 'loading' }, t('figures.loading')));
  const pareto = await loadFigures(apiPath('defect-pareto', filters, { limit: 20 }));
  const charts = [];
  mount(root,
    h('div', { class: 'toolbar' }, h('h1', {}, t('defects.title')), h('span', { class: 'muted' }, user.display_name)),
    h('p', { class: 'notice' }, t('defects.intro')),
    freshness([pareto]),
    await filterForm('defects', filters),
    pareto.data ? paretoSection(pareto.data, filters, charts, await records('defect_type')) : null,
    h('p', {}, csvLink(csvPath('defects', filters), t('figures.csv.defects'))));
  for (const draw of charts) draw();
  root.dataset.figuresReady = 'true';
}
