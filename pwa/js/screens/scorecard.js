// One factory's scorecard: pass rates, DHU and their trend, top defects, the last inspections
// with verdicts, its switching state and its deliveries against the planned finish.
import { records } from '../db.js';
import { h, mount } from '../dom.js';
import { apiPath, filtersFromHash, hashWith, loadFigures, number, percent } from '../figures.js';
import { formatDay, t } from '../i18n.js';
import { classReason, factoryReason } from '../switching-reasons.js';
import { paretoSection, table, trendSection } from './dashboard.js';
import { filterForm, freshness } from './figure-filters.js';
import { punctualitySection } from './milestone-figures.js';

export async function showScorecard(root, factoryId) {
  const filters = { ...filtersFromHash(), factory_id: factoryId };
  mount(root, h('h1', {}, t('scorecard.title')), h('p', { class: 'loading' }, t('figures.loading')));
  const { factory_id: _omit, ...rest } = filters;
  const card = await loadFigures(apiPath(`factories/${factoryId}/scorecard`, rest, { period: filters.period }));
  const data = card.data;
  if (!data) {
    mount(root, h('h1', {}, t('scorecard.title')), freshness([card]));
    root.dataset.figuresReady = 'true';
    return;
  }
  const charts = [];
  const totals = data.totals;
  const d = data.deliveries;
  mount(root,
    h('p', {}, h('a', { href: hashWith('dashboard', { period: filters.period }) }, t('scorecard.back'))),
    h('h1', { 'data-testid': 'scorecard-title' }, data.factory.name, ' ', h('span', { class: 'muted' }, `${data.factory.code} · ${data.factory.city || ''} ${data.factory.country}`)),
    freshness([card]),
    await filterForm(`factory/${factoryId}`, rest, { withFactory: false }),
    h('ul', { class: 'kpis' },
      h('li', { 'data-testid': 'kpi-ftpr' }, h('strong', {}, percent(totals.first_time_pass_rate)), h('span', {}, t('figures.first_time_pass_rate'))),
      h('li', {}, h('strong', {}, percent(totals.pass_rate)), h('span', {}, t('figures.pass_rate'))),
      h('li', {}, h('strong', {}, number(totals.dhu)), h('span', {}, t('figures.dhu'))),
      h('li', {}, h('strong', {}, percent(d.on_time_rate)), h('span', {}, t('scorecard.on_time', { n: d.on_time, of: d.shipped }))),
      data.switching ? h('li', { 'data-testid': 'scorecard-switching' }, h('strong', {}, t(`switching.${data.switching.state}`)), h('span', {}, t('figures.switching'))) : null),
    data.switching ? h('section', { class: 'card' }, h('h2', {}, t('figures.switching_title')),
      h('p', { class: 'note', 'data-testid': 'switching-reason' }, factoryReason(data.switching)),
      table(['figures.class', 'figures.switching', 'figures.reason'], Object.entries(data.switching.classes)
        .map(([cls, c]) => [t(`class.${cls}`), t(`switching.${c.state}`), classReason(c)]), 'switching-table')) : null,
    data.corrective_actions ? h('section', { class: 'card', 'data-testid': 'scorecard-actions' }, h('h2', {}, t('capa.title')),
      h('ul', { class: 'kpis' },
        h('li', {}, h('strong', { 'data-testid': 'actions-open' }, number(data.corrective_actions.open, 0)), h('span', {}, t('capa.open_count'))),
        h('li', {}, h('strong', { 'data-testid': 'actions-overdue' }, number(data.corrective_actions.overdue, 0)), h('span', {}, t('capa.overdue'))),
        h('li', {}, h('strong', {}, number(data.corrective_actions.awaiting_verification, 0)), h('span', {}, t('capa.status.awaiting_verification')))),
      h('p', {}, h('a', { href: `#/actions?factory=${factoryId}` }, t('capa.see_all')), ' · ',
        h('a', { href: `#/actions?factory=${factoryId}&overdue=1`, 'data-testid': 'actions-overdue-link' }, t('capa.see_overdue')))) : null,
    h('section', { class: 'card' }, h('h2', {}, t('scorecard.deliveries')),
      h('p', {}, t('scorecard.deliveries_text', { shipped: t('count.production_orders', { n: d.shipped }), on_time: d.on_time, late: d.late, overdue: d.overdue }))),
    punctualitySection(data.milestones),
    trendSection({ period: data.period, rows: data.trend }, filters, charts, 'scorecard'),
    paretoSection(data.top_defects, filters, charts, await records('defect_type')),
    h('section', { class: 'card' }, h('h2', {}, t('scorecard.last_inspections')),
      table(['figures.date', 'figures.type', 'figures.order', 'figures.verdict', 'figures.defects'],
        data.last_inspections.map((r) => [
          h('a', { href: `#/inspection/${r.id}` }, formatDay(r.finished_at)), t(`type.${r.inspection_type}`),
          r.po_number || r.production_order_number || '–',
          h('span', { class: `badge ${r.verdict}` }, t(`verdict.${r.verdict}`)),
          `${r.defects.critical} / ${r.defects.major} / ${r.defects.minor}`]), 'last-inspections')),
    h('p', { class: 'muted' }, t('scorecard.later')));
  for (const draw of charts) draw();
  root.dataset.figuresReady = 'true';
}
