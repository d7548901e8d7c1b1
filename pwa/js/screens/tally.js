// The defect tally: a searchable library, most used first; one tap records one defect of that
// type and severity (its own record); undo; an optional note. The buttons sit low on the
// screen, within thumb reach, under the running counts and the live verdict.
import { checkFields } from '../checks.js';
import { remove, upsert } from '../db.js';
import { h } from '../dom.js';
import { defectName, defectSecondName, t } from '../i18n.js';
import { severities } from '../vocabulary.js';

const detailsOpen = new Set();

export function tallySection(context, { onChange, rerender, showTally }) {
  const { inspection, defectTypes, allDefects, defects } = context;
  const usage = new Map();
  for (const d of allDefects.values()) usage.set(d.defect_type_id, (usage.get(d.defect_type_id) || 0) + 1);
  const library = [...defectTypes.values()].filter((d) => d.active !== false)
    .sort((a, b) => (usage.get(b.id) || 0) - (usage.get(a.id) || 0) || a.code.localeCompare(b.code));

  const note = h('input', { id: 'note', type: 'text', maxlength: 4000, placeholder: t('tally.note'), 'aria-label': t('tally.note') });
  const where = h('input', { id: 'defect-location', type: 'text', maxlength: 120, placeholder: t('tally.location'),
                             'aria-label': t('tally.location') });
  const search = h('input', { id: 'search', type: 'search', placeholder: t('tally.search'), 'aria-label': t('tally.search'),
    oninput: () => filterList(search.value) });
  const rows = library.map((type) => {
    const second = defectSecondName(type);
    return h('li', { class: 'defect-type', dataset: { search: [type.code, type.name, ...Object.values(type.names_translated || {})].join(' ').toLowerCase() } },
      h('span', { class: 'name' }, defectName(type), second ? h('span', { class: 'muted second-name', lang: second.lang }, ' · ', second.name) : null),
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
  const lastMine = defects.filter((d) => d._pending).at(-1);
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

export function defectList(context) {
  const { defects, defectTypes } = context;
  if (!defects.length) return h('p', { class: 'muted' }, t('review.no_defects'));
  return h('ul', { class: 'list' }, defects.map((d) => h('li', { class: 'defect' },
    defectName(defectTypes.get(d.defect_type_id) || { name: '?' }), ' · ', t(`class.${d.severity}`),
    d.location ? h('span', { class: 'muted' }, ' · ', d.location) : null,
    d.note ? h('span', { class: 'note', 'data-testid': 'defect-note' }, ' — ', d.note) : null)));
}
