// "My inspections": the inspector's own inspections in progress first, the inspections booked for the coming
// days next, their own planned for later after them, then the rest newest first; each row with date, style, PO, factory, type, status and verdict; a search and filters kept in the hash. A phone holds
// hundreds of inspections: rows are drawn a page at a time, and typing filters in place (no redraw of the
// screen, so the keyboard stays up).
import { getMeta, records } from '../db.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { filtersFromHash, hashWithFilters, matching, ordered, rowsOf, visibleTo } from '../inspection-list.js';
import { computePlans } from '../plan.js';
import { shownVerdict } from '../shown-verdict.js';
import { may, words } from '../vocabulary.js';
import { logoutButton } from './logout.js';

const PAGE = 30;
// How far down the list the inspector has paged, kept while the filters stay the same: a sync that
// redraws the list, or Back from an inspection, does not fold it up again.
const paged = { filters: '', shown: PAGE };

export async function showInspections(root, { user }) {
  const [inspections, factories, productionOrders, purchaseOrders, lines, items, styles, photos, defects, measurements,
    checklist, tables] = await Promise.all([
    records('inspection'), records('factory'), records('production_order'), records('purchase_order'),
    records('purchase_order_line'), records('inspection_item'), records('style'), records('photo'),
    records('inspection_defect'), records('measurement_result'), records('checklist_result'), getMeta('aql_tables')]);
  const pendingPhotos = new Set([...photos.values()].filter((p) => p.storage_state !== 'stored' || p._pending)
    .map((p) => p.inspection_id));
  const work = workByInspection(defects, measurements, checklist);
  const rows = visibleTo(rowsOf({ inspections, factories, productionOrders, purchaseOrders, items, styles, lines }), user);
  const filters = filtersFromHash();

  const rowView = (row) => {
    const { inspection } = row;
    const done = work.get(inspection.id) || { defects: [], recorded: 0 };
    const verdict = shownVerdict(inspection, { plans: done.defects.length ? safePlans(tables, inspection) : null, ...done });
    return h('li', {}, h('a', { class: 'row inspection-row', href: `#/inspection/${inspection.id}`, 'data-testid': 'inspection-link',
      dataset: { id: inspection.id } },
    h('span', { class: 'row-line' },
      h('span', { class: 'muted', 'data-testid': 'row-date' }, formatDay(row.day)),
      h('strong', { 'data-testid': 'row-style' }, row.style || t('inspections.no_style')),
      h('span', { 'data-testid': 'row-po' }, row.po || row.orderNumber)),
    h('span', { class: 'row-line' },
      h('span', { 'data-testid': 'row-type' }, t(`type.${inspection.inspection_type}`)),
      h('span', { class: 'muted' }, row.factory)),
    h('span', { class: 'row-line' },
      h('span', { class: `badge ${inspection.status}`, 'data-testid': 'row-status' }, t(`status.${inspection.status}`)),
      verdict ? h('span', { class: `badge ${verdict}`, 'data-testid': 'row-verdict' }, t(`verdict.${verdict}`)) : null,
      pendingPhotos.has(inspection.id) ? h('span', { class: 'badge uploading' }, t('inspection.photos_uploading')) : null,
      inspection._refused ? h('span', { class: 'badge fail', 'data-testid': 'not-accepted' }, t('refused.badge')) : null)));
  };

  const listSlot = h('div', { 'data-testid': 'inspection-list' });
  const drawList = () => {
    const { open, booked, later, rest } = ordered(matching(rows, filters), user);
    if (!booked.length && !open.length && !later.length && !rest.length) {
      mount(listSlot, h('p', { class: 'muted', 'data-testid': 'no-match' }, rows.length ? t('inspections.no_match') : t('inspections.empty')));
      return;
    }
    const restList = h('ul', { class: 'list' });
    const more = h('button', { type: 'button', 'data-testid': 'show-more' });
    const key = JSON.stringify(filters);
    if (paged.filters !== key) Object.assign(paged, { filters: key, shown: PAGE });
    let shown = 0;
    // The next page is appended to what is there: nothing drawn before is drawn again.
    const showUpTo = (count) => {
      restList.append(...rest.slice(shown, count).map(rowView));
      shown = Math.min(rest.length, count);
      paged.shown = Math.max(shown, PAGE);
      more.textContent = t('inspections.show_more', { shown, n: rest.length });
      more.hidden = shown >= rest.length;
    };
    more.addEventListener('click', () => showUpTo(shown + PAGE));
    showUpTo(paged.shown);
    mount(listSlot,
      open.length ? h('section', {}, h('h2', {}, t('inspections.open_mine')), h('ul', { class: 'list', 'data-testid': 'open-list' }, open.map(rowView))) : null,
      booked.length ? h('section', {}, h('h2', {}, t('inspections.booked')), h('ul', { class: 'list', 'data-testid': 'booked-list' }, booked.map(rowView))) : null,
      later.length ? h('section', {}, h('h2', {}, t('inspections.later_mine')), h('ul', { class: 'list', 'data-testid': 'later-list' }, later.map(rowView))) : null,
      rest.length ? h('section', {}, h('h2', {}, booked.length || open.length || later.length ? t('inspections.others') : t('inspections.all')), restList, more) : null);
  };

  // A filter changes the list in place and the hash without a new history entry: Back leaves the list.
  const apply = (name, value) => {
    if (value) filters[name] = value;
    else delete filters[name];
    history.replaceState(null, '', hashWithFilters(filters));
    drawList();
    filterSummary.textContent = filterLabel(filters);
  };
  const search = h('input', { id: 'inspection-search', type: 'search', value: filters.q || '', autocomplete: 'off',
    placeholder: t('inspections.search'), 'aria-label': t('inspections.search'), 'data-testid': 'inspection-search',
    oninput: (e) => apply('q', e.target.value.trim()) });
  const choice = (name, label, options) => h('div', { class: 'filter' }, h('label', { for: `filter-${name}` }, label),
    h('select', { id: `filter-${name}`, 'data-testid': `filter-${name}`, onchange: (e) => apply(name, e.target.value) },
      h('option', { value: '' }, t('inspections.any')),
      options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text))));
  const day = (name, label) => h('div', { class: 'filter' }, h('label', { for: `filter-${name}` }, label),
    h('input', { id: `filter-${name}`, type: 'date', value: filters[name] || '', 'data-testid': `filter-${name}`,
      onchange: (e) => apply(name, e.target.value) }));
  const filterSummary = h('span', {}, filterLabel(filters));
  const hasFilters = () => Object.keys(filters).some((name) => name !== 'q');
  const canCreate = ['inspector', 'manager', 'admin'].includes(user.role);
  const canBook = may(user.role, 'inspection', 'book');
  const searchHadFocus = document.activeElement?.id === 'inspection-search';
  mount(root,
    h('div', { class: 'toolbar' },
      h('h1', {}, t('inspections.title')),
      canCreate ? h('a', { class: 'button primary', href: '#/inspection/new', 'data-testid': 'new-inspection' }, t('inspections.new')) : null,
      canBook ? h('a', { class: 'button', href: '#/book', 'data-testid': 'book-inspection' }, t('inspections.book')) : null),
    h('div', { class: 'list-tools' }, search,
      h('details', { class: 'filters', open: hasFilters() || null },
        h('summary', { 'data-testid': 'filters' }, filterSummary),
        h('div', { class: 'filter-grid' },
          choice('status', t('inspections.status'), words('inspection_statuses').map((s) => [s, t(`status.${s}`)])),
          choice('type', t('inspections.type'), words('inspection_types').map((s) => [s, t(`type.${s}`)])),
          day('from', t('inspections.from')), day('to', t('inspections.to'))),
        h('a', { class: 'button', href: '#/inspections', 'data-testid': 'clear-filters' }, t('inspections.clear')))),
    listSlot,
    h('footer', { class: 'footer' }, h('span', {}, user.display_name), ' ', logoutButton()));
  drawList();
  // A sync that redraws the list while the inspector types keeps the keyboard where it was.
  if (searchHadFocus) {
    search.focus();
    search.setSelectionRange(search.value.length, search.value.length);
  }
}

function filterLabel(filters) {
  const active = Object.keys(filters).filter((name) => name !== 'q').length;
  return active ? t('inspections.filters_active', { n: active }) : t('inspections.filters');
}

// Per inspection: its defects, and how many other results (measurements, checklist answers) it has.
function workByInspection(defects, measurements, checklist) {
  const work = new Map();
  const of = (id) => {
    if (!work.has(id)) work.set(id, { defects: [], recorded: 0 });
    return work.get(id);
  };
  for (const d of defects.values()) of(d.inspection_id).defects.push(d);
  for (const m of measurements.values()) of(m.inspection_id).recorded += 1;
  for (const c of checklist.values()) of(c.inspection_id).recorded += 1;
  return work;
}

function safePlans(tables, inspection) {
  try {
    return computePlans(tables, inspection);
  } catch {
    return null;
  }
}

// A planned date is a calendar day (no time zone); shown in the phone's language and format.
function formatDay(day) {
  if (!day) return '—';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}
