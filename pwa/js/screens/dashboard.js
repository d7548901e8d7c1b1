// The manager's home: pass rates (first-time and overall), DHU and their trend, compared by factory,
// style, category, inspector or type; the defect Pareto; switching state per factory; rejected lots.
// Every chart has its table of numbers beside it, and a bar opens the inspections behind it.
import { barChart, trendChart } from '../charts.js';
import { records } from '../db.js';
import { h, mount } from '../dom.js';
import { apiPath, csvPath, filtersFromHash, hashWith, loadFigures, number, percent } from '../figures.js';
import { defectName, formatDay, t } from '../i18n.js';
import { factoryReason } from '../switching-reasons.js';
import { reasonChips } from './milestone-figures.js';
import { filterForm, freshness } from './figure-filters.js';

const GROUPS = ['factory', 'style', 'category', 'inspector', 'type'];
// The filter a group's key becomes when a bar or row opens the inspections behind it.
const GROUP_FILTER = { factory: 'factory_id', style: 'style_id', category: 'category', inspector: 'inspector_id', type: 'inspection_type' };

export async function showDashboard(root, { user }) {
  const filters = filtersFromHash();
  const group = GROUPS.includes(filters.group_by) ? filters.group_by : 'factory';
  const period = filters.period || 'month';
  mount(root, h('h1', {}, t('dashboard.title')), h('p', { class: 'loading' }, t('figures.loading')));
  const punctualityQuery = new URLSearchParams(Object.entries({ factory_id: filters.factory_id, date_from: filters.date_from,
    date_to: filters.date_to }).filter(([, v]) => v)).toString();
  const [trend, groups, pareto, switching, rejected, punctuality, factories, defectTypes] = await Promise.all([
    loadFigures(apiPath('pass-rates', filters, { group_by: 'period', period })),
    loadFigures(apiPath('pass-rates', filters, { group_by: group, period })),
    loadFigures(apiPath('defect-pareto', filters)),
    loadFigures('/api/v1/analytics/switching'),
    loadFigures(apiPath('rejected-lots', filters, { page_size: 10 })),
    loadFigures(`/api/v1/production-orders/punctuality${punctualityQuery ? `?${punctualityQuery}` : ''}`),
    records('factory'),
    records('defect_type'),
  ]);
  const charts = [];
  mount(root,
    h('div', { class: 'toolbar' }, h('h1', {}, t('dashboard.title')), h('span', { class: 'muted' }, user.display_name)),
    freshness([trend, groups, pareto, switching, rejected]),
    await filterForm('dashboard', filters),
    trend.data ? kpis(trend.data.totals, rejected.data) : null,
    trend.data ? trendSection(trend.data, filters, charts) : null,
    groups.data ? groupSection(groups.data, group, filters, switching.data, charts) : null,
    pareto.data ? paretoSection(pareto.data, filters, charts, defectTypes) : null,
    switching.data ? switchingSection(switching.data, filters) : null,
    rejected.data ? rejectedSection(rejected.data, filters) : null,
    punctuality.data ? milestoneSection(punctuality.data, factories) : null,
    downloads(filters));
  for (const draw of charts) draw();
  root.dataset.figuresReady = 'true';
}

function kpis(totals, rejected) {
  const tile = (key, value, testid) => h('li', { 'data-testid': testid }, h('strong', {}, value), h('span', {}, t(key)));
  return h('ul', { class: 'kpis' },
    tile('figures.first_time_pass_rate', percent(totals.first_time_pass_rate), 'kpi-ftpr'),
    tile('figures.pass_rate', percent(totals.pass_rate), 'kpi-pass-rate'),
    tile('figures.dhu', number(totals.dhu), 'kpi-dhu'),
    tile('figures.inspections', totals.inspections, 'kpi-inspections'),
    rejected ? tile('figures.rejected_lots', rejected.total, 'kpi-rejected') : null);
}

function pct(ratio) {
  return ratio === null || ratio === undefined ? null : Math.round(ratio * 1000) / 10;
}

export function trendSection(data, filters, charts, screen = 'dashboard') {
  const rows = data.rows;
  const chart = h('div', { class: 'chart', 'data-testid': 'trend-chart', role: 'img', 'aria-label': t('figures.trend') });
  const open = (i) => { location.hash = hashWith('figures/inspections', { ...filters, date_from: rows[i].period_start, date_to: dayBefore(rows[i].period_end) }); };
  charts.push(() => rows.length && trendChart(chart, {
    periods: rows.map((r) => r.period_start),
    lines: [{ label: t('figures.first_time_pass_rate'), values: rows.map((r) => pct(r.first_time_pass_rate)) },
      { label: t('figures.pass_rate'), values: rows.map((r) => pct(r.pass_rate)) }],
    right: { label: t('figures.dhu'), values: rows.map((r) => r.dhu) },
    onSelect: open,
  }));
  return h('section', { class: 'card figure', 'data-screen': screen },
    h('div', { class: 'toolbar' }, h('h2', {}, t('figures.trend_by', { period: t(`figures.period.${data.period}`) })),
      csvLink(csvPath('pass-rates', filters, { group_by: 'period', period: data.period }))),
    rows.length ? chart : h('p', { class: 'muted' }, t('figures.none')),
    table(['figures.period', 'figures.inspections', 'figures.first_time_pass_rate', 'figures.pass_rate', 'figures.dhu'],
      rows.map((r, i) => [link(r.period_start, () => open(i)), r.inspections, percent(r.first_time_pass_rate), percent(r.pass_rate), number(r.dhu)]),
      'trend-table'));
}

function dayBefore(isoDay) {
  const day = new Date(`${isoDay}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

// A period's first-time pass rate is compared only when the period had at least this many inspections. With one
// or two, a single lot swings the rate by 50 to 100 points ("▼ 100.0 pts" against a week with one passed lot),
// which reads as a collapse when it is chance. Five keeps a single lot's weight at 20 points at most while still
// letting a factory with a few inspections a period show a change; periods below it are left out of the
// comparison (not merged), and a group with fewer than two such periods says it has too few to compare.
export const MIN_INSPECTIONS_TO_COMPARE = 5;

// Change over the trend: the latest period with enough inspections against the earliest, in percentage points.
export function direction(trend) {
  const known = trend.filter((p) => p.first_time_pass_rate !== null && p.inspections >= MIN_INSPECTIONS_TO_COMPARE);
  if (known.length < 2) {
    return trend.some((p) => p.first_time_pass_rate !== null) && trend.length > 1
      ? h('span', { class: 'muted', 'data-testid': 'change-too-few' }, t('figures.change_too_few')) : '–';
  }
  const delta = (known.at(-1).first_time_pass_rate - known[0].first_time_pass_rate) * 100;
  if (Math.abs(delta) < 0.05) return t('figures.steady');
  return `${delta > 0 ? '▲' : '▼'} ${Math.abs(delta).toFixed(1)} ${t('figures.points')}`;
}

function groupSection(data, group, filters, switching, charts) {
  const states = new Map((switching?.rows || []).map((r) => [r.factory_id, r]));
  const rows = [...data.rows];
  // "Which factory gets the next order": best first-time pass rate first.
  if (group === 'factory') rows.sort((a, b) => (b.first_time_pass_rate ?? -1) - (a.first_time_pass_rate ?? -1));
  const label = (r) => (group === 'category' ? t(`category.${r.key}`) : group === 'type' ? t(`type.${r.key}`) : r.label);
  const open = (i) => { location.hash = hashWith('figures/inspections', { ...filters, [GROUP_FILTER[group]]: rows[i].key }); };
  const chart = h('div', { class: 'chart', 'data-testid': 'group-chart', role: 'img', 'aria-label': t('figures.by', { group: t(`figures.group.${group}`) }) });
  charts.push(() => rows.length && barChart(chart, {
    labels: rows.map(label),
    bars: [{ label: t('figures.first_time_pass_rate'), values: rows.map((r) => pct(r.first_time_pass_rate)) },
      { label: t('figures.pass_rate'), values: rows.map((r) => pct(r.pass_rate)) }],
    line: { label: t('figures.dhu'), axisLabel: t('figures.dhu'), values: rows.map((r) => r.dhu) },
    onSelect: open,
  }));
  const headers = ['figures.group_name', 'figures.inspections', 'figures.first_time_pass_rate', 'figures.pass_rate', 'figures.dhu', 'figures.change'];
  if (group === 'factory') headers.push('figures.switching');
  return h('section', { class: 'card figure' },
    h('div', { class: 'toolbar' },
      h('h2', {}, t('figures.by', { group: t(`figures.group.${group}`) })),
      csvLink(csvPath('pass-rates', filters, { group_by: group, period: data.period })),
      h('div', { class: 'tabs', role: 'navigation', 'aria-label': t('figures.compare_by') }, GROUPS.map((g) => h('a', {
        class: 'tab', href: hashWith('dashboard', { ...filters, group_by: g }), 'aria-current': g === group ? 'page' : null,
        'data-testid': `group-${g}` }, t(`figures.group.${g}`))))),
    rows.length ? chart : h('p', { class: 'muted' }, t('figures.none')),
    table(headers, rows.map((r, i) => {
      const name = group === 'factory'
        ? h('a', { href: hashWith(`factory/${r.key}`, { period: filters.period, date_from: filters.date_from, date_to: filters.date_to }), 'data-testid': 'scorecard-link' }, label(r))
        : link(label(r), () => open(i));
      const cells = [name, link(String(r.inspections), () => open(i)), percent(r.first_time_pass_rate), percent(r.pass_rate), number(r.dhu), direction(r.trend || [])];
      if (group === 'factory') {
        const state = states.get(r.key);
        cells.push(state ? h('span', { class: `badge ${state.state}` }, t(`switching.${state.state}`)) : '–');
      }
      return cells;
    }), 'group-table'),
    h('p', { class: 'muted note', 'data-testid': 'change-basis' }, t('figures.change_basis', { n: MIN_INSPECTIONS_TO_COMPARE })));
}

// Defects named in the screens' language from the phone's library (the server answers in English).
export function paretoSection(data, filters, charts, defectTypes) {
  const rows = data.rows.map((r) => ({ ...r, name: defectName(defectTypes.get(r.defect_type_id) || r) }));
  const open = (i) => { location.hash = hashWith('figures/inspections', { ...filters, defect_type_id: rows[i].defect_type_id }); };
  const chart = h('div', { class: 'chart', 'data-testid': 'pareto-chart', role: 'img', 'aria-label': t('figures.pareto') });
  charts.push(() => rows.length && barChart(chart, {
    labels: rows.map((r) => r.name), yLabel: t('figures.defects'), max: null,
    bars: [{ label: t('figures.defects'), values: rows.map((r) => r.count) }],
    line: { label: t('figures.cumulative'), axisLabel: '%', values: rows.map((r) => pct(r.cumulative_share)), range: [0, 100] },
    onSelect: open,
  }));
  return h('section', { class: 'card figure' },
    h('div', { class: 'toolbar' }, h('h2', {}, t('figures.pareto')), csvLink(csvPath('defect-pareto', filters, { limit: 50 }))),
    h('p', { class: 'muted' }, t('figures.pareto_total', { n: data.total_defects })),
    rows.length ? chart : h('p', { class: 'muted' }, t('figures.none')),
    table(['figures.defect', 'figures.defects', 'figures.share', 'figures.cumulative'],
      rows.map((r, i) => [link(`${r.code} ${r.name}`, () => open(i)), r.count, percent(r.share), percent(r.cumulative_share)]),
      'pareto-table'));
}

export function switchingSection(data, filters) {
  return h('section', { class: 'card figure' },
    h('div', { class: 'toolbar' }, h('h2', {}, t('figures.switching_title')), csvLink('/api/v1/exports/switching.csv')),
    h('ul', { class: 'list', 'data-testid': 'switching-list' }, data.rows.map((r) => h('li', { class: 'switching-row' },
      h('div', { class: 'toolbar' },
        h('a', { href: hashWith(`factory/${r.factory_id}`, { period: filters.period }) }, r.factory_name),
        h('span', { class: `badge ${r.state}` }, t(`switching.${r.state}`))),
      h('p', { class: 'muted note', 'data-testid': 'switching-reason' }, factoryReason(r))))));
}

export function rejectedSection(data, filters) {
  return h('section', { class: 'card figure' },
    h('div', { class: 'toolbar' }, h('h2', {}, t('figures.rejected_title', { n: data.total })), csvLink(csvPath('rejected-lots', filters))),
    data.rows.length ? h('ul', { class: 'list', 'data-testid': 'rejected-list' }, data.rows.map((r) => h('li', { class: 'rejected' },
      h('a', { class: 'row', href: `#/inspection/${r.id}` },
        h('strong', {}, r.factory_name), h('span', {}, formatDay(r.finished_at)),
        h('span', {}, r.po_number || r.production_order_number || ''), h('span', { class: 'badge fail' }, t('verdict.fail')),
        r.reinspection_of_id ? h('span', { class: 'badge' }, t('figures.reinspection')) : null),
      h('p', { class: 'note' }, r.reason)))) : h('p', { class: 'muted' }, t('figures.none')),
    data.total > data.rows.length
      ? h('a', { class: 'button', href: hashWith('figures/inspections', { ...filters, verdict: 'fail' }) }, t('figures.all_rejected'))
      : null);
}

export function csvLink(href, label = t('figures.csv')) {
  return h('a', { class: 'button csv', href, download: '' }, label);
}

function downloads(filters) {
  return h('section', { class: 'card figure' }, h('h2', {}, t('figures.downloads')),
    h('p', { class: 'muted' }, t('figures.downloads_text')),
    h('div', { class: 'actions' }, ['inspections', 'defects', 'measurements'].map((name) =>
      csvLink(csvPath(name, filters), t(`figures.csv.${name}`)))));
}

// Milestones reached on or before their planned day, per factory (worst first), and the delays by reason.
function milestoneSection(data, factories) {
  const rows = [...data.factories].filter((f) => f.stages).sort((a, b) => (a.on_time_rate ?? 1) - (b.on_time_rate ?? 1));
  return h('section', { class: 'card figure' }, h('h2', {}, t('milestones.punctuality')),
    data.delay_reasons.length ? [h('h3', {}, t('milestones.delays_by_reason')), reasonChips(data.delay_reasons, 'dashboard-delay-reasons')] : null,
    rows.length ? table(['orders.factory', 'milestones.stages_reached', 'milestones.on_time_rate'],
      rows.map((f) => [h('a', { href: `#/factory/${f.factory_id}` }, factories.get(f.factory_id)?.name || '?'), String(f.stages),
        percent(f.on_time_rate)]), 'milestone-punctuality-table') : h('p', { class: 'muted' }, t('milestones.none_planned')));
}

function link(text, onClick) {
  return h('button', { type: 'button', class: 'link', onclick: onClick }, text);
}

// A table of figures. On a narrow phone it scrolls sideways inside its own box: a region the keyboard can reach
// and scroll too, named by its columns.
export function table(headers, rows, testid) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': headers.map((key) => t(key)).join(', ') },
    h('table', { class: 'figures', 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}
