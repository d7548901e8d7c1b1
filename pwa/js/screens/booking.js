// Booking an inspection against a production order (managers, admins, a factory's own staff): the order, the
// type, the day, the inspector (one of the active inspectors of the order's factory, or any of them), and the
// level and AQLs (left empty: the defaults for the order's product and the type).
// The server books it, so that an order is never booked twice, and says whether the order is ready: a booking
// made before sewing started (inline) or before enough is packed (final) is kept, with that said here. The
// booked inspection reaches the inspector's phone with the next sync, ready to start offline.
// So that saving straight away books something, the form starts on an order not yet booked for the chosen type,
// and marks the orders that are ("booked 3 Dec 2026") in the picker, with a warning under it when one is chosen;
// the server's refusal is still shown if another booking got there first.
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
  let booked;
  try {
    [orders, booked] = await Promise.all([openOrders(), openBookings()]);
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    return mount(root, h('a', { class: 'button', href: '#/inspections' }, t('back')), h('h1', {}, t('booking.title')),
      h('p', { class: 'error', role: 'alert', 'data-testid': 'booking-error' }, t('booking.offline')));
  }
  const open = orders.sort((a, b) => a.number.localeCompare(b.number));
  // Level and AQLs left empty take the defaults for the order's product and the type (the server applies them).
  const draft = { production_order_id: '', inspection_type: 'final', planned_date: tomorrow(),
                  inspector_id: '', inspection_level: '', aql_major: '', aql_minor: '' };
  const bookingOf = (orderId, type) => booked.get(orderId)?.get(type) ?? null;
  // The first order that can be booked for the type; when every one is booked, the first (marked, and warned of).
  const bookable = (type) => (open.find((o) => !bookingOf(o.id, type)) ?? open[0])?.id ?? '';
  draft.production_order_id = bookable(draft.inspection_type);
  const controls = {};
  const outcome = h('div', { 'data-testid': 'booking-outcome', 'aria-live': 'polite' });
  const warning = h('div', { 'aria-live': 'polite' });

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
  // answer to the latest choice wins), the chosen inspector kept if they work there too, else "any of them".
  const inspectorChoice = h('select', {});
  let asked = 0;
  const offerInspectors = async () => {
    const ask = ++asked;
    const order = open.find((o) => o.id === draft.production_order_id);
    const inspectors = order ? await inspectorsOf(order.factory_id) : [];
    if (ask !== asked) return;
    if (!inspectors.some((inspector) => inspector.id === draft.inspector_id)) draft.inspector_id = '';
    mount(inspectorChoice, h('option', { value: '' }, t('booking.any_inspector')), inspectors.map((inspector) =>
      h('option', { value: inspector.id, selected: inspector.id === draft.inspector_id }, inspector.display_name)));
  };
  await offerInspectors();

  // The orders, each marked when it already has an open booking of the chosen type; and, for the chosen one, a
  // warning with a way to the booking it has.
  const orderChoice = h('select', {});
  let orderPicked = false; // the user chose an order: a change of type keeps it
  const offerOrders = () => {
    mount(orderChoice, open.map((o) => {
      const existing = bookingOf(o.id, draft.inspection_type);
      const text = [o.number, factories.get(o.factory_id)?.name, existing ? bookedMark(existing) : null].filter(Boolean).join(' · ');
      return h('option', { value: o.id, selected: o.id === draft.production_order_id, 'data-booked': existing ? 'true' : null }, text);
    }));
    const existing = bookingOf(draft.production_order_id, draft.inspection_type);
    mount(warning, existing ? h('p', { class: 'notice warn', 'data-testid': 'already-booked-warning' },
      t('booking.already_booked'), ' ', h('a', { href: `#/inspection/${existing.id}` }, t('booking.open'))) : null);
  };
  offerOrders();

  const submit = async (event) => {
    event.preventDefault();
    for (const name of FIELDS) markField(controls[name], null);
    const button = event.submitter;
    button.disabled = true;
    try {
      const made = await postJson('/api/v1/bookings', Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== '')));
      mount(outcome, bookedView(made));
      remember(booked, made.inspection);
      offerOrders();
      requestBackgroundSync(); // the planned inspection comes to this phone too
    } catch (error) {
      mount(outcome, refusal(error, controls));
    } finally {
      button.disabled = false;
    }
  };

  const form = open.length ? h('form', { class: 'card', novalidate: true, onsubmit: submit },
      field('production_order_id', t('booking.order'), orderChoice), warning,
      field('inspector_id', t('booking.inspector'), inspectorChoice),
      field('inspection_type', t('booking.type'), choose(words('inspection_types').map((v) => [v, t(`type.${v}`)]), draft.inspection_type)),
      field('planned_date', t('booking.date'), h('input', { type: 'date', value: draft.planned_date, required: true })),
      field('inspection_level', t('booking.level'), choose([['', t('booking.default')], ...words('inspection_levels').map((v) => [v, v])], '')),
      field('aql_major', t('booking.aql_major'), h('input', { type: 'text', inputmode: 'decimal', placeholder: t('booking.default') })),
      field('aql_minor', t('booking.aql_minor'), h('input', { type: 'text', inputmode: 'decimal', placeholder: t('booking.default') })),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'book' }, t('booking.submit')))
      : h('p', { class: 'muted', 'data-testid': 'no-orders' }, t('booking.no_orders'));
  controls.production_order_id?.addEventListener('change', () => {
    orderPicked = true;
    offerOrders();
    offerInspectors();
  });
  controls.inspection_type?.addEventListener('change', () => {
    const before = draft.production_order_id;
    if (!orderPicked) draft.production_order_id = bookable(draft.inspection_type);
    offerOrders();
    if (draft.production_order_id !== before) offerInspectors();
  });
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

// The open bookings in the user's factories (those not yet carried out, by the served statuses), as
// order id -> inspection type -> inspection.
async function openBookings() {
  const pages = await Promise.all(words('open_booking_statuses').map((status) =>
    getJson(`/api/v1/inspections?status=${encodeURIComponent(status)}&page_size=500`)));
  const booked = new Map();
  for (const inspection of pages.flat()) remember(booked, inspection);
  return booked;
}

function remember(booked, inspection) {
  if (!inspection.production_order_id) return;
  if (!booked.has(inspection.production_order_id)) booked.set(inspection.production_order_id, new Map());
  booked.get(inspection.production_order_id).set(inspection.inspection_type, inspection);
}

// "booked 3 Dec 2026", or the booking's state once its inspection has started.
function bookedMark(inspection) {
  if (inspection.status !== 'planned') return t('booking.marked_started', { status: t(`status.${inspection.status}`) });
  return inspection.planned_date ? t('booking.marked_booked', { date: formatDay(inspection.planned_date) }) : t('booking.marked_undated');
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
