// A style's defects across factories and inspections, split at each tech-pack version (the version each
// inspection was made on): defects per hundred units and the units inspected on each side, so a designer sees
// whether a fix worked, and on a small sample when it is too early to say.
import { records } from '../db.js';
import { historyPath } from '../design-review.js';
import { h, mount } from '../dom.js';
import { loadFigures, number } from '../figures.js';
import { defectName, formatDay, formatNumber, t } from '../i18n.js';
import { freshness } from './figure-filters.js';

export async function showStyleHistory(root, styleId) {
  mount(root, h('h1', {}, t('design.history.title')), h('p', { class: 'loading' }, t('figures.loading')));
  const answer = await loadFigures(historyPath(styleId));
  // The defects' names in the screens' language, from the library on the phone (the server's are in English).
  const defectTypes = await records('defect_type');
  const data = answer.data;
  const back = h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => history.back() }, t('figures.back')));
  if (!data) {
    mount(root, back, h('h1', {}, t('design.history.title')), freshness([answer]));
    root.dataset.figuresReady = 'true';
    return;
  }
  mount(root, back,
    h('h1', {}, t('design.history.title_of', { style: `${data.style_number} ${data.name}` })),
    h('p', { class: 'muted' }, [data.season, t(`category.${data.category}`)].filter(Boolean).join(' · ')),
    freshness([answer]),
    h('p', { class: 'notice' }, t('design.history.intro')),
    h('ul', { class: 'kpis' },
      h('li', {}, h('strong', {}, data.totals.inspections), h('span', {}, t('figures.inspections'))),
      h('li', {}, h('strong', {}, formatNumber(data.totals.units_inspected)), h('span', {}, t('design.history.units'))),
      h('li', {}, h('strong', {}, number(data.totals.dhu)), h('span', {}, t('figures.dhu')))),
    data.versions.map((version) => versionSection(version, defectTypes)),
    data.unversioned.inspections ? h('section', { class: 'card figure' }, h('h2', {}, t('design.history.unversioned')),
      figuresTable([['design.history.unversioned_row', data.unversioned]], 'history-unversioned')) : null);
  root.dataset.figuresReady = 'true';
}

// A table of numbers that may scroll sideways on a narrow phone: its frame takes the keyboard focus, so the
// columns out of view can be reached without a pointer.
function table(headers, rows, testid, label) {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label },
    h('table', { class: 'figures', 'data-testid': testid },
      h('thead', {}, h('tr', {}, headers.map((key) => h('th', { scope: 'col' }, t(key))))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

function figuresTable(rows, testid) {
  return table(['design.history.side', 'figures.inspections', 'design.history.units', 'figures.defects', 'figures.dhu'],
    rows.map(([key, f]) => [t(key), f.inspections, formatNumber(f.units_inspected), f.defects, number(f.dhu)]), testid,
    t('design.history.units'));
}

function versionSection(version, defectTypes) {
  return h('section', { class: 'card figure', 'data-testid': `history-version-${version.version_label}` },
    h('h2', {}, t('design.history.version', { version: version.version_label, date: formatDay(version.issued_on) })),
    figuresTable([['design.history.before', version.before], ['design.history.after', version.after],
      ['design.history.on_version', version.on_version]], `history-table-${version.version_label}`),
    version.factories.length ? h('details', {}, h('summary', {}, t('design.history.by_factory')),
      table(['figures.factory', 'figures.inspections', 'design.history.units', 'figures.defects', 'figures.dhu'],
        version.factories.map((f) => [f.factory_name, f.inspections, formatNumber(f.units_inspected), f.defects, number(f.dhu)]),
        `factories-${version.version_label}`, t('design.history.by_factory'))) : null,
    version.fixes.length ? h('div', {}, h('h3', {}, t('design.history.fixes')),
      h('ul', { class: 'list', 'data-testid': 'history-fixes' }, version.fixes.map((fix) => h('li', { class: 'fix' },
        h('strong', {}, `${fix.defect_code} ${defectName(defectTypes.get(fix.defect_type_id) || { name: fix.defect_name })}`), ' ',
        h('span', { class: 'badge' }, t(`design.status.${fix.status}`)), ' ',
        fix.root_cause ? h('span', { class: 'muted' }, t(`design.cause.${fix.root_cause}`)) : null,
        h('p', { 'data-testid': 'fix-dhu' }, t('design.history.fix_dhu', {
          before: number(fix.before.dhu), before_units: formatNumber(fix.before.units_inspected),
          after: number(fix.after.dhu), after_units: formatNumber(fix.after.units_inspected) })),
        h('a', { href: `#/review/${fix.review_id}` }, t('design.queue.open_review')))))) : null);
}
