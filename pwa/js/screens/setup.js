// Setting up an inspection: type, production order (and so the style, its tech pack and the
// ordered quantity), lot size, level and AQL per class (defaults from the product category and
// type), the switching state the server proposed. The plan shows at once, computed offline.
import { batch, getMeta, records, setMeta, upsertChange } from '../db.js';
import { checkFields, fieldProblem } from '../checks.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { currentLocation } from '../location.js';
import { navigate } from '../navigate.js';
import { computePlans, planView } from '../plan.js';
import { severities, words } from '../vocabulary.js';

const AQLS = ['0', '0.065', '0.10', '0.15', '0.25', '0.40', '0.65', '1.0', '1.5', '2.5', '4.0', '6.5', '10'];

export async function showSetup(root, inspection, { user, onChange }) {
  const [tables, factories, productionOrders, lines, styles, techPacks, defaults, useLocation, items] = await Promise.all([
    getMeta('aql_tables'), records('factory'), records('production_order'), records('purchase_order_line'),
    records('style'), records('tech_pack_version'), records('aql_default'), getMeta('use_location', false),
    records('inspection_item')]);
  // A booking comes from the server without an item: the style it names is recorded at start, as for a new one.
  const hasItem = Boolean(inspection) && [...items.values()].some((item) => item.inspection_id === inspection.id);
  const draft = { inspection_type: 'final', inspection_level: 'II', aql_critical: '0', aql_major: '2.5', aql_minor: '4.0',
                  factory_id: user.factories?.[0]?.id || [...factories.keys()][0], lot_size: '', ...(inspection || {}) };
  const styleOf = (productionOrderId) => {
    const order = productionOrders.get(productionOrderId);
    return order && styles.get(lines.get(order.purchase_order_line_id)?.style_id);
  };
  // The AQL defaults for the product category and inspection type, unless the inspector chose otherwise.
  const applyDefaults = () => {
    const order = productionOrders.get(draft.production_order_id);
    if (order && !draft.lot_size) draft.lot_size = order.quantity;
    const category = styleOf(draft.production_order_id)?.category;
    const row = [...defaults.values()].find((d) => d.product_category === category && d.inspection_type === draft.inspection_type);
    if (row) for (const key of ['inspection_level', 'aql_critical', 'aql_major', 'aql_minor']) draft[key] = row[key];
    renderForm();
  };

  const planSlot = h('div');
  const refresh = () => {
    let plans = null;
    try {
      plans = computePlans(tables, draft);
    } catch {
      plans = null;
    }
    // A lot size the server would refuse gets its limit here as it is typed, never a plan for "2.5".
    const lotProblem = String(draft.lot_size ?? '').trim() === '' ? null : fieldProblem('inspection', 'lot_size', draft.lot_size);
    mount(planSlot, tables && (lotProblem || !(Number(draft.lot_size) >= 1))
      ? h('p', { class: 'muted', 'data-testid': 'plan' }, lotProblem || t('plan.need_lot')) : planView(plans));
  };
  const field = (name, label, control) => h('div', { class: 'field' }, h('label', { for: name }, label), control);
  const select = (name, options, onchange) => h('select', { id: name, name,
    onchange: (e) => { draft[name] = e.target.value; onchange?.(); refresh(); } },
  options.map(([value, text]) => h('option', { value, selected: String(draft[name] ?? '') === String(value) }, text)));
  const poOptions = () => [['', t('setup.none')], ...[...productionOrders.values()]
    .filter((p) => p.factory_id === draft.factory_id
      && (p.id === draft.production_order_id || words('open_production_order_statuses').includes(p.status)))
    .sort((a, b) => a.number.localeCompare(b.number))
    .map((p) => [p.id, [p.number, styleOf(p.id)?.style_number].filter(Boolean).join(' · ')])];
  const lot = () => h('input', { id: 'lot_size', name: 'lot_size', type: 'number', inputmode: 'numeric', min: 1, required: true,
    value: draft.lot_size, oninput: (e) => { draft.lot_size = e.target.value; refresh(); } });
  const locationBox = h('input', { id: 'use_location', type: 'checkbox', checked: Boolean(useLocation) });
  const fieldsSlot = h('div');
  const renderForm = () => mount(fieldsSlot,
    field('inspection_type', t('setup.type'), select('inspection_type', words('inspection_types').map((v) => [v, t(`type.${v}`)]), applyDefaults)),
    field('factory_id', t('setup.factory'), select('factory_id', [...factories.values()].map((f) => [f.id, f.name]), renderForm)),
    field('production_order_id', t('setup.production_order'), select('production_order_id', poOptions(), applyDefaults)),
    field('lot_size', t('setup.lot_size'), lot()),
    field('inspection_level', t('setup.level'), select('inspection_level', words('inspection_levels').map((v) => [v, v]))),
    ...severities().map((cls) => field(`aql_${cls}`, t('setup.aql', { cls: t(`class.${cls}`) }),
                                  select(`aql_${cls}`, AQLS.map((v) => [v, v])))),
    ...severities().filter((cls) => draft[`switching_${cls}`] && draft[`switching_${cls}`] !== 'normal')
      .map((cls) => h('p', { class: 'notice' }, t(`class.${cls}`), ': ', t('setup.switching', { state: draft[`switching_${cls}`] }))));

  // One id for this form, so a second tap (or a retry) writes the same inspection, never a second one.
  const inspectionId = inspection?.id || crypto.randomUUID();
  let saving = false;
  const form = h('form', { class: 'card', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (saving) return;
    // Every field against the server's own limits (served with the vocabulary), the message next to it:
    // "Must be a whole number from 1 to 10,000,000." Nothing is recorded until all are fine.
    const checked = ['inspection_type', 'factory_id', 'production_order_id', 'lot_size', 'inspection_level',
                     ...severities().map((cls) => `aql_${cls}`)];
    const fine = checkFields(checked.map((name) => ({ control: form.querySelector(`#${name}`), entity: 'inspection',
                                                      field: name, value: draft[name] })));
    if (!fine) {
      form.querySelector('[aria-invalid=true]')?.focus();
      return;
    }
    await setMeta('use_location', locationBox.checked);
    const order = productionOrders.get(draft.production_order_id);
    const style = styleOf(draft.production_order_id);
    const techPack = style && [...techPacks.values()].filter((v) => v.style_id === style.id)
      .sort((a, b) => String(b.issued_on).localeCompare(String(a.issued_on)))[0];
    const fields = { inspection_type: draft.inspection_type, factory_id: draft.factory_id,
      production_order_id: draft.production_order_id || null, lot_size: Number(draft.lot_size),
      inspection_level: draft.inspection_level, aql_critical: draft.aql_critical, aql_major: draft.aql_major,
      aql_minor: draft.aql_minor, status: 'in_progress', started_at: new Date().toISOString() };
    if (techPack && !draft.tech_pack_version_id) fields.tech_pack_version_id = techPack.id;
    if (order && draft.ordered_quantity == null) fields.ordered_quantity = order.quantity;
    for (const cls of severities()) if (draft[`switching_${cls}`]) fields[`switching_${cls}`] = draft[`switching_${cls}`];
    if (!inspection && user.role === 'inspector') fields.inspector_id = user.id;
    if (locationBox.checked) {
      const where = await currentLocation();
      if (where) fields.start_location = where;
    }
    saving = true;
    // The inspection and its item are recorded together or not at all.
    const changes = [upsertChange('inspection', fields, inspectionId)];
    const id = changes[0].recordId;
    if (style && !hasItem) {
      changes.push(upsertChange('inspection_item', { inspection_id: id, style_id: style.id,
                                                     purchase_order_line_id: order.purchase_order_line_id,
                                                     quantity: Number(draft.lot_size) }));
    }
    await batch(changes);
    onChange?.();
    navigate(`#/inspection/${id}`); // a booked one was opened at this very address
  } },
  h('h1', {}, t('setup.title')),
  fieldsSlot,
  planSlot,
  h('div', { class: 'check' }, locationBox, h('label', { for: 'use_location' }, t('setup.location'))),
  h('div', { class: 'actions' },
    h('a', { class: 'button', href: '#/' }, t('back')),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'start' }, t('setup.start'))));
  renderForm();
  mount(root, form);
  refresh();
}
