// The defect tally: a searchable library, most used first; one tap records one defect of that
// type and severity (its own record); undo of one's own last defect; an optional note. The buttons sit
// low on the screen, within thumb reach, under the running counts and the live verdict. A tap redraws the
// screen, so what the inspector set up stays as it was: the search, and the library's order (most used
// first is worked out when the tally opens, never while tallying, so a button never moves under a thumb).
import { checkFields } from '../checks.js';
import { remove, upsert } from '../db.js';
import { h } from '../dom.js';
import { defectName, defectSecondName, t } from '../i18n.js';
import { severities } from '../vocabulary.js';

const detailsOpen = new Set();
// Per inspection: the search typed, and the library's order when the tally was opened.
const searches = new Map();
const libraryOrders = new Map();

function libraryOrder(defectTypes, allDefects) {
  const usage = new Map();
  for (const d of allDefects.values()) usage.set(d.defect_type_id, (usage.get(d.defect_type_id) || 0) + 1);
  return [...defectTypes.values()].filter((d) => d.active !== false)
    .sort((a, b) => (usage.get(b.id) || 0) - (usage.get(a.id) || 0) || a.code.localeCompare(b.code))
    .map((d) => d.id);
}

// The inspector's own last defect of this inspection: the newest not yet sent, else the newest the server
// holds as theirs. Undoing a sent one is a delete, which the server accepts until the inspection is finalized.
export function ownLastDefect(defects, user) {
  const unsent = defects.filter((d) => d._pending && !d._refused);
  if (unsent.length) return unsent.at(-1);
  return defects.filter((d) => d.created_by_id === user.id)
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)) || (a._version ?? 0) - (b._version ?? 0)).at(-1)
    ?? null;
}

export function tallySection(context, { user, onChange, rerender, showTally, redraw }) {
  const { inspection, defectTypes, allDefects, defects } = context;
  // Opened (not redrawn after a tap): the order is worked out afresh, and the last visit's search is gone.
  if (!redraw || !libraryOrders.has(inspection.id)) {
    libraryOrders.set(inspection.id, libraryOrder(defectTypes, allDefects));
    if (!redraw) searches.delete(inspection.id);
  }
  const library = libraryOrders.get(inspection.id).map((id) => defectTypes.get(id)).filter(Boolean);
  const recorded = new Map();
  for (const d of defects) recorded.set(d.defect_type_id, (recorded.get(d.defect_type_id) || 0) + 1);

  const note = h('input', { id: 'note', type: 'text', maxlength: 4000, placeholder: t('tally.note'), 'aria-label': t('tally.note') });
  const where = h('input', { id: 'defect-location', type: 'text', maxlength: 120, placeholder: t('tally.location'),
                             'aria-label': t('tally.location') });
  const search = h('input', { id: 'search', type: 'search', placeholder: t('tally.search'), 'aria-label': t('tally.search'),
    value: searches.get(inspection.id) || '',
    oninput: () => {
      searches.set(inspection.id, search.value);
      filterList(search.value);
    } });
  const rows = library.map((type) => {
    const second = defectSecondName(type);
    const count = recorded.get(type.id) || 0;
    return h('li', { class: 'defect-type', dataset: { search: [type.code, type.name, ...Object.values(type.names_translated || {})].join(' ').toLowerCase() } },
      h('span', { class: 'name' }, defectName(type), second ? h('span', { class: 'muted second-name', lang: second.lang }, ' · ', second.name) : null,
        count ? h('span', { class: 'badge recorded', 'data-testid': `recorded-${type.code}` }, t('tally.recorded_here', { n: count })) : null),
      h('span', { class: 'buttons' }, severities().map((cls) => h('button', {
        type: 'button', class: `tally ${cls}${cls === type.default_severity ? ' default' : ''}`,
        'data-testid': `tally-${type.code}-${cls}`,
        onclick: async () => {
          // The note and location by the server's limits, next to them (opened, so the message is seen).
          const fine = checkFields([{ control: note, entity: 'inspection_defect', field: 'note', value: note.value },
                                    { control: where, entity: 'inspection_defect', field: 'location', value: where.value }]);
          if (!fine) return void (note.closest('details').open = true);
          showTally(cls);
          await upsert('inspection_defect', { inspection_id: inspection.id, defect_type_id: type.id, severity: cls,
                                              note: note.value || null, location: where.value || null });
          note.value = '';
          where.value = '';
          onChange?.();
          await rerender();
        } },
      // Short on screen, whole for screen readers.
      h('span', { 'aria-hidden': 'true' }, t(`class_short.${cls}`)),
      h('span', { class: 'visually-hidden' }, `${t(`class.${cls}`)}: ${defectName(type)}`)))));
  });
  const filterList = (text) => {
    const needle = text.trim().toLowerCase();
    for (const row of rows) row.hidden = Boolean(needle) && !row.dataset.search.includes(needle);
  };
  filterList(search.value);
  const lastMine = ownLastDefect(defects, user);
  return h('section', { class: 'tally-panel' },
    h('h2', {}, t('tally.title')),
    h('div', { class: 'tally-tools' }, search,
      h('button', { type: 'button', disabled: !lastMine, 'data-testid': 'undo', onclick: async () => {
        if (!lastMine) return;
        await remove('inspection_defect', lastMine.id);
        onChange?.();
        await rerender();
      } }, t('tally.undo'))),
    // Kept open once used: the inspector who notes where each defect is wants the fields at hand.
    h('details', { class: 'tally-details', open: detailsOpen.has(inspection.id) || null,
      ontoggle: (e) => (e.target.open ? detailsOpen.add(inspection.id) : detailsOpen.delete(inspection.id)) },
    h('summary', {}, t('tally.details')), note, where),
    h('ul', { class: 'library' }, rows));
}

// Each type and class once, with how many were found; the notes and places of those that have them beneath.
export function defectList(context) {
  const { defects, defectTypes } = context;
  if (!defects.length) return h('p', { class: 'muted' }, t('review.no_defects'));
  const groups = new Map();
  for (const d of defects) {
    const key = `${d.defect_type_id}/${d.severity}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  const order = severities();
  const sorted = [...groups.values()].sort((a, b) => order.indexOf(a[0].severity) - order.indexOf(b[0].severity) || b.length - a.length);
  return h('ul', { class: 'list defect-groups' }, sorted.map((group) => {
    const annotated = group.filter((d) => d.location || d.note);
    return h('li', { class: 'defect', 'data-testid': 'defect-group' },
      h('span', { 'data-testid': 'defect-group-name' }, defectName(defectTypes.get(group[0].defect_type_id) || { name: '?' }),
        ' · ', t(`class.${group[0].severity}`)),
      ' ', h('strong', { class: 'group-count', 'data-testid': 'defect-group-count' }, t('review.times', { n: group.length })),
      annotated.length ? h('ul', { class: 'defect-notes' }, annotated.map((d) => h('li', {},
        d.location ? h('span', { class: 'muted' }, d.location) : null,
        d.note ? h('span', { class: 'note', 'data-testid': 'defect-note' }, d.location ? ' — ' : '', d.note) : null))) : null);
  }));
}
