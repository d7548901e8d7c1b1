// One inspection: set-up with the plan computed offline, the defect tally with the live verdict,
// and finalize. Every change is a local record first; sync takes it from there.
import { planFor } from '../aql.js';
import { getMeta, record, records, remove, upsert } from '../db.js';
import { h, mount } from '../dom.js';
import { defectName, t } from '../i18n.js';
import { takePhoto, thumbnailUrl } from '../photos.js';

const CLASSES = ['critical', 'major', 'minor'];
const LEVELS = ['S-1', 'S-2', 'S-3', 'S-4', 'I', 'II', 'III'];
const AQLS = ['0', '0.065', '0.10', '0.15', '0.25', '0.40', '0.65', '1.0', '1.5', '2.5', '4.0', '6.5', '10'];

export async function showInspection(root, id, { user, onChange }) {
  const inspection = id === 'new' ? null : await record('inspection', id);
  if (id !== 'new' && !inspection) {
    location.hash = '';
    return;
  }
  if (!inspection || inspection.status === 'planned') return showSetup(root, inspection, { user, onChange });
  return showTally(root, inspection, { onChange });
}

export function computePlans(tables, setup) {
  if (!tables || !setup.lot_size) return null;
  const plans = {};
  for (const cls of CLASSES) {
    plans[cls] = planFor(tables, Number(setup.lot_size), setup.inspection_level || 'II', setup[`aql_${cls}`] ?? '2.5',
                         setup[`switching_${cls}`] || 'normal');
  }
  return plans;
}

async function gallery(photos) {
  const items = [];
  for (const photo of photos) {
    items.push(h('li', {}, h('img', { src: await thumbnailUrl(photo.sha256), alt: photo.caption || t('photos.alt'),
                                      width: 96, height: 96, loading: 'lazy', 'data-testid': 'thumb' }),
      photo.storage_state === 'stored' ? null : h('span', { class: 'badge uploading' }, t('inspection.photos_uploading'))));
  }
  return h('ul', { class: 'gallery' }, items);
}

async function photoSection(inspection, lastDefect, photos, { onChange, rerender }) {
  const input = (testid, belongsTo, kind) => h('label', { class: 'button' }, t(`photos.${kind}`),
    h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
      'data-testid': testid, onchange: async (event) => {
        for (const file of event.target.files) await takePhoto(file, belongsTo, kind);
        onChange?.();
        await rerender();
      } }));
  return h('section', { class: 'card' },
    h('h2', {}, t('photos.title')),
    h('div', { class: 'actions' },
      lastDefect ? input('photo-defect', { defect_id: lastDefect.id }, 'defect') : null,
      input('photo-inspection', { inspection_id: inspection.id }, 'inspection')),
    await gallery(photos));
}

function planView(plans) {
  if (!plans) return h('p', { class: 'muted', 'data-testid': 'plan' }, t('plan.no_tables'));
  const sample = Math.max(...CLASSES.map((c) => plans[c].sample_size));
  const full = CLASSES.some((c) => plans[c].full_inspection);
  return h('div', { class: 'plan', 'data-testid': 'plan' },
    h('p', {}, t('plan.code_letter', { letter: plans.major.code_letter }), ' · ',
      h('strong', { 'data-testid': 'sample-size' }, full ? t('plan.full', { n: sample }) : t('plan.sample', { n: sample }))),
    h('ul', { class: 'classes' }, CLASSES.map((cls) => h('li', {},
      h('span', {}, t(`class.${cls}`)), ' ',
      h('span', { 'data-testid': `plan-${cls}` }, t('plan.accept_reject', { ac: plans[cls].accept, re: plans[cls].reject }))))));
}

async function showSetup(root, inspection, { user, onChange }) {
  const [tables, factories, productionOrders] = await Promise.all([
    getMeta('aql_tables'), records('factory'), records('production_order')]);
  const draft = { inspection_type: 'final', inspection_level: 'II', aql_critical: '0', aql_major: '2.5', aql_minor: '4.0',
                  factory_id: user.factories?.[0]?.id || [...factories.keys()][0], lot_size: '', ...(inspection || {}) };
  const planSlot = h('div');
  const refresh = () => {
    let plans = null;
    try {
      plans = computePlans(tables, draft);
    } catch {
      plans = null;
    }
    mount(planSlot, planView(plans));
  };
  const field = (name, label, control) => h('div', { class: 'field' }, h('label', { for: name }, label), control);
  const select = (name, options, onchange) => {
    const element = h('select', { id: name, name, onchange: (e) => { draft[name] = e.target.value; onchange?.(); refresh(); } },
      options.map(([value, text]) => h('option', { value, selected: String(draft[name] ?? '') === String(value) }, text)));
    return element;
  };
  const poOptions = () => [['', t('setup.none')], ...[...productionOrders.values()]
    .filter((p) => p.factory_id === draft.factory_id).map((p) => [p.id, p.number])];
  const poSelect = h('div');
  const renderPo = () => mount(poSelect, select('production_order_id', poOptions()));
  renderPo();
  const lot = h('input', { id: 'lot_size', name: 'lot_size', type: 'number', inputmode: 'numeric', min: 1, required: true,
                          value: draft.lot_size, oninput: (e) => { draft.lot_size = e.target.value; refresh(); } });
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    if (!(Number(draft.lot_size) >= 1)) {
      message.textContent = t('error.field', { field: t('setup.lot_size'), message: '≥ 1' });
      return;
    }
    const fields = { inspection_type: draft.inspection_type, factory_id: draft.factory_id,
      production_order_id: draft.production_order_id || null, lot_size: Number(draft.lot_size),
      inspection_level: draft.inspection_level, aql_critical: draft.aql_critical, aql_major: draft.aql_major,
      aql_minor: draft.aql_minor, status: 'in_progress', started_at: new Date().toISOString() };
    for (const cls of CLASSES) if (draft[`switching_${cls}`]) fields[`switching_${cls}`] = draft[`switching_${cls}`];
    if (!inspection && user.role === 'inspector') fields.inspector_id = user.id;
    const id = await upsert('inspection', fields, inspection?.id);
    onChange?.();
    location.hash = `#/inspection/${id}`;
  } },
  h('h1', {}, t('setup.title')),
  field('inspection_type', t('setup.type'), select('inspection_type', ['pre_production', 'inline', 'final'].map((v) => [v, t(`type.${v}`)]))),
  field('factory_id', t('setup.factory'), select('factory_id', [...factories.values()].map((f) => [f.id, f.name]), renderPo)),
  h('div', { class: 'field' }, h('label', { for: 'production_order_id' }, t('setup.production_order')), poSelect),
  field('lot_size', t('setup.lot_size'), lot),
  field('inspection_level', t('setup.level'), select('inspection_level', LEVELS.map((v) => [v, v]))),
  ...CLASSES.map((cls) => field(`aql_${cls}`, t('setup.aql', { cls: t(`class.${cls}`) }), select(`aql_${cls}`, AQLS.map((v) => [v, v])))),
  ...CLASSES.filter((cls) => draft[`switching_${cls}`] && draft[`switching_${cls}`] !== 'normal')
    .map((cls) => h('p', { class: 'notice' }, t(`class.${cls}`), ': ', t('setup.switching', { state: draft[`switching_${cls}`] }))),
  planSlot,
  message,
  h('div', { class: 'actions' },
    h('a', { class: 'button', href: '#/' }, t('back')),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'start' }, t('setup.start'))));
  mount(root, form);
  refresh();
}

async function showTally(root, inspection, { onChange }) {
  const [tables, defectTypes, allDefects, allPhotos] = await Promise.all([
    getMeta('aql_tables'), records('defect_type'), records('inspection_defect'), records('photo')]);
  const photos = [...allPhotos.values()].filter((p) => p.inspection_id === inspection.id
    || [...allDefects.values()].some((d) => d.id === p.defect_id && d.inspection_id === inspection.id));
  const readOnly = inspection.status === 'finalized' || inspection.status === 'cancelled';
  const plans = computePlans(tables, inspection);
  const defects = [...allDefects.values()].filter((d) => d.inspection_id === inspection.id);
  const counts = Object.fromEntries(CLASSES.map((cls) => [cls, defects.filter((d) => d.severity === cls).length]));
  const verdicts = plans ? Object.fromEntries(CLASSES.map((cls) => [cls, counts[cls] >= plans[cls].reject ? 'fail' : 'pass'])) : null;
  const overall = verdicts && (CLASSES.some((c) => verdicts[c] === 'fail') ? 'fail' : 'pass');
  const usage = new Map();
  for (const d of allDefects.values()) usage.set(d.defect_type_id, (usage.get(d.defect_type_id) || 0) + 1);
  const library = [...defectTypes.values()].filter((d) => d.active !== false)
    .sort((a, b) => (usage.get(b.id) || 0) - (usage.get(a.id) || 0) || a.code.localeCompare(b.code));
  const rerender = () => showTally(root, { ...inspection }, { onChange }).then(() => {});

  const summary = h('section', { class: 'summary', 'data-testid': 'summary' },
    h('h1', {}, t(`type.${inspection.inspection_type}`), ' · ', t('inspection.lot', { lot: inspection.lot_size })),
    planView(plans),
    h('ul', { class: 'counts' }, CLASSES.map((cls) => h('li', { class: verdicts?.[cls] === 'fail' ? 'fail' : '' },
      h('span', {}, t(`class.${cls}`)), ' ',
      h('strong', { 'data-testid': `count-${cls}` }, String(counts[cls])),
      plans ? h('span', { class: 'muted' }, ' ', t('tally.count', { count: counts[cls], accept: plans[cls].accept })) : null,
      plans && plans[cls].accept > 0 && counts[cls] === plans[cls].accept
        ? h('span', { class: 'badge limit' }, t('verdict.at_limit')) : null))),
    overall ? h('p', { class: `verdict ${overall}`, 'data-testid': 'verdict' }, t(`verdict.${overall}`)) : null);

  if (readOnly) {
    mount(root, h('a', { class: 'button', href: '#/' }, t('back')), summary,
      h('p', { class: 'notice' }, t('finalize.readonly')),
      h('ul', { class: 'list' }, defects.map((d) => h('li', { class: 'defect' },
        defectName(defectTypes.get(d.defect_type_id) || { name: '?' }), ' · ', t(`class.${d.severity}`),
        d.note ? h('span', { class: 'note', 'data-testid': 'defect-note' }, ' — ', d.note) : null))));
    return;
  }

  const note = h('input', { id: 'note', type: 'text', maxlength: 4000, placeholder: t('tally.note') });
  const search = h('input', { id: 'search', type: 'search', placeholder: t('tally.search'), 'aria-label': t('tally.search'),
    oninput: () => filterList(search.value) });
  const rows = library.map((type) => h('li', { class: 'defect-type', dataset: { search: `${type.code} ${defectName(type)}`.toLowerCase() } },
    h('span', { class: 'name' }, defectName(type)),
    h('span', { class: 'buttons' }, CLASSES.map((cls) => h('button', {
      type: 'button', class: `tally ${cls}${cls === type.default_severity ? ' default' : ''}`,
      'data-testid': `tally-${type.code}-${cls}`,
      onclick: async () => {
        await upsert('inspection_defect', { inspection_id: inspection.id, defect_type_id: type.id, severity: cls,
                                            note: note.value || null });
        note.value = '';
        onChange?.();
        await rerender();
      } },
      // Short on screen, whole for screen readers.
      h('span', { 'aria-hidden': 'true' }, t(`class.${cls}`).slice(0, 2)),
      h('span', { class: 'visually-hidden' }, `${t(`class.${cls}`)}: ${defectName(type)}`))))));
  const filterList = (text) => {
    const needle = text.trim().toLowerCase();
    for (const row of rows) row.hidden = needle && !row.dataset.search.includes(needle);
  };
  const lastMine = defects.filter((d) => d._pending).at(-1);
  mount(root,
    h('a', { class: 'button', href: '#/' }, t('back')),
    summary,
    h('section', { class: 'tally-panel' },
      h('h2', {}, t('tally.title')),
      h('div', { class: 'tally-tools' }, search, note,
        h('button', { type: 'button', disabled: !lastMine, 'data-testid': 'undo', onclick: async () => {
          if (!lastMine) return;
          await remove('inspection_defect', lastMine.id);
          onChange?.();
          await rerender();
        } }, t('tally.undo'))),
      h('ul', { class: 'library' }, rows)),
    await photoSection(inspection, lastMine || defects.at(-1), photos, { onChange, rerender }),
    h('section', { class: 'card' },
      h('h2', {}, t('finalize.title')),
      h('button', { type: 'button', class: 'primary', disabled: !plans, 'data-testid': 'finalize', onclick: async () => {
        if (!confirm(t('finalize.confirm'))) return;
        const fields = { status: 'finalized', verdict: overall, finished_at: new Date().toISOString() };
        for (const cls of CLASSES) fields[`verdict_${cls}`] = verdicts[cls];
        await upsert('inspection', fields, inspection.id);
        onChange?.();
        await showInspection(root, inspection.id, { onChange });
      } }, t('finalize.button'))));
}
