// Booking an inspection against a production order (managers, admins, a factory's own staff): the order, the
// type, the day, the inspector (one of the active inspectors of the order's factory, or any of them), and the
// level and AQLs (left empty: the defaults for the order's product and the type).
// The server books it, so that an order is never booked twice, and says whether the order is ready: a booking
// made before sewing started (inline) or before enough is packed (final) is kept, with that said here. The
// booked inspection reaches the inspector's phone with the next sync, ready to start offline.
import { ApiError, NetworkError, getJson, postJson } from '../api.js';
import { markField } from '../checks.js';
import { records } from '../db.js';
import { h, mount } from '../dom.js';
import { formatDay, t } from '../i18n.js';
import { requestBackgroundSync } from '../sync.js';
import { words } from '../vocabulary.js';

const FIELDS = ['production_order_id', 'inspection_type', 'planned_date', 'inspector_id', 'inspection_level', 'aql_major', 'aql_minor'];

export async function showBooking(root) {
  const factories = await records('factory');
  // Managers hold no factory's orders on their phone (PROTOCOL.md 4): the open ones are asked of the server,
  // which a booking needs anyway.
  let orders;
  try {
    orders = await openOrders();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return mount(root, h('a', { class: 'button', href: '#/inspections' }, t('back')), h('h1', {}, t('booking.title')),
      h('p', { class: 'error', role: 'alert', 'data-testid': 'booking-error' }, t('booking.offline')));
  }
  const open = orders.sort((a, b) => a.number.localeCompare(b.number));
  // Level and AQLs left empty take the defaults for the order's product and the type (the server applies them).
  const draft = { production_order_id: open[0]?.id ?? '', inspection_type: 'final', planned_date: tomorrow(),
                  inspector_id: '', inspection_level: '', aql_major: '', aql_minor: '' };
  const controls = {};
  const outcome = h('div', { 'data-testid': 'booking-outcome', 'aria-live': 'polite' });

  const field = (name, label, control) => {
    controls[name] = control;
    control.id = name;
    control.addEventListener('change', () => {
      draft[name] = control.value;
      markField(control, null);
    });
    return h('div', { class: 'field' }, h('label', { for: name }, label), control);
  };
  const choose = (values, selected) => h('select', {}, values.map(([value, text]) => h('option', { value, selected: value === selected }, text)));

  // The inspectors offered are those of the chosen order's factory: asked again whenever the order changes (the
  // answer to the latest choice wins), the choice going back to "any of them".
  const inspectorChoice = h('select', {});
  let asked = 0;
  const offerInspectors = async () => {
    const ask = ++asked;
    const order = open.find((o) => o.id === draft.production_order_id);
    const inspectors = order ? await inspectorsOf(order.factory_id) : [];
    if (ask !== asked) return;
    draft.inspector_id = '';
    mount(inspectorChoice, h('option', { value: '' }, t('booking.any_inspector')),
      inspectors.map((inspector) => h('option', { value: inspector.id }, inspector.display_name)));
  };
  await offerInspectors();

  const submit = async (event) => {
    event.preventDefault();
    for (const name of FIELDS) markField(controls[name], null);
    const button = event.submitter;
    button.disabled = true;
    try {
      const booked = await postJson('/api/v1/bookings', Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== '')));
      mount(outcome, bookedView(booked));
      requestBackgroundSync(); // the planned inspection comes to this phone too
    } catch (error) {
      mount(outcome, refusal(error, controls));
    } finally {
      button.disabled = false;
    }
  };

  const form = open.length ? h('form', { class: 'card', novalidate: true, onsubmit: submit },
      field('production_order_id', t('booking.order'), choose(open.map((o) => [o.id, [o.number,
        factories.get(o.factory_id)?.name].filter(Boolean).join(' · ')]), draft.production_order_id)),
      field('inspector_id', t('booking.inspector'), inspectorChoice),
      field('inspection_type', t('booking.type'), choose(words('inspection_types').map((v) => [v, t(`type.${v}`)]), draft.inspection_type)),
      field('planned_date', t('booking.date'), h('input', { type: 'date', value: draft.planned_date, required: true })),
      field('inspection_level', t('booking.level'), choose([['', t('booking.default')], ...words('inspection_levels').map((v) => [v, v])], '')),
      field('aql_major', t('booking.aql_major'), h('input', { type: 'text', inputmode: 'decimal', placeholder: t('booking.default') })),
      field('aql_minor', t('booking.aql_minor'), h('input', { type: 'text', inputmode: 'decimal', placeholder: t('booking.default') })),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'book' }, t('booking.submit')))
      : h('p', { class: 'muted', 'data-testid': 'no-orders' }, t('booking.no_orders'));
  controls.production_order_id?.addEventListener('change', offerInspectors);
  mount(root, h('a', { class: 'button', href: '#/inspections' }, t('back')), h('h1', {}, t('booking.title')), form, outcome);
  return undefined;
}

// The active inspectors assigned to a factory; offline, none (the booking itself needs the connection anyway).
async function inspectorsOf(factoryId) {
  try {
    return await getJson(`/api/v1/factories/${factoryId}/inspectors`);
  } catch (error) {
    if (error instanceof NetworkError) return [];
    throw error;
  }
}

async function openOrders() {
  const pages = await Promise.all(words('open_production_order_statuses').map((status) =>
    getJson(`/api/v1/production-orders?status=${encodeURIComponent(status)}&page_size=500`)));
  return pages.flat();
}

function bookedView({ inspection, readiness }) {
  return h('div', { class: 'notice', role: 'status', 'data-testid': 'booked' },
    h('p', {}, t('booking.booked', { date: formatDay(inspection.planned_date) }), ' ',
      h('a', { href: `#/inspection/${inspection.id}` }, t('booking.open'))),
    readiness.ready ? null : h('p', { class: 'warn', 'data-testid': 'not-ready' },
      t(`booking.not_ready.${readiness.reason}`, { packed: readiness.packed_quantity, needed: readiness.needed_quantity })));
}

// What the server said, next to the fields at fault; a double booking links to the inspection already booked.
function refusal(error, controls) {
  if (error instanceof NetworkError) return h('p', { class: 'error', role: 'alert', 'data-testid': 'booking-error' }, t('booking.offline'));
  if (!(error instanceof ApiError)) throw error;
  if (error.code === 'already_booked') {
    const existing = error.fields?.production_order_id?.[0];
    return h('p', { class: 'error', role: 'alert', 'data-testid': 'booking-error' }, t('booking.already_booked'), ' ',
      existing ? h('a', { href: `#/inspection/${existing}` }, t('booking.open')) : null);
  }
  const unplaced = [];
  for (const [name, problems] of Object.entries(error.fields || {})) {
    const text = [problems].flat().join(' ');
    if (!controls[name] || !markField(controls[name], text)) unplaced.push(text);
  }
  return h('p', { class: 'error', role: 'alert', 'data-testid': 'booking-error' }, error.message, ' ', unplaced.join(' '));
}

function tomorrow() {
  const next = new Date(Date.now() + 24 * 3600 * 1000);
  return new Date(next.getTime() - next.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}
