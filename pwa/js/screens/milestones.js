// Production milestones: for a production order, the stage reached (fabric received … shipped)
// with the cumulative quantity, the date, a delay reason when late, a note and a photo, offline.
// Events are append-only: a correction is a new event.
import { ask, checkFields, markField } from '../checks.js';
import { batch, record, records, upsertChange } from '../db.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { formatDay, t } from '../i18n.js';
import { photoChangeFor } from '../photos.js';
import { milestoneQuestions } from '../plausibility.js';
import { words } from '../vocabulary.js';
import { cameraButton, gallery } from './photo-section.js';

const stages = () => words('milestone_stages');


function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

// Newest last: by date, then stage, then quantity (cumulative, so two entries of one day keep their order).
function byProgress(a, b) {
  return String(a.occurred_on).localeCompare(String(b.occurred_on))
    || stages().indexOf(a.stage) - stages().indexOf(b.stage) || a.quantity - b.quantity;
}

function latest(events) {
  return [...events].sort(byProgress).at(-1);
}

// The stage after the furthest one recorded for the order (whatever the dates: a correction of an earlier
// stage recorded today does not pull it back), the first for an order with none; the last stays the last.
export function nextStage(events) {
  const reached = Math.max(-1, ...events.map((e) => stages().indexOf(e.stage)));
  return stages()[Math.min(reached + 1, stages().length - 1)];
}

export async function showMilestones(root, { user }) {
  const [orders, events, factories] = await Promise.all([records('production_order'), records('milestone_event'), records('factory')]);
  const byOrder = new Map();
  for (const event of events.values()) {
    if (!byOrder.has(event.production_order_id)) byOrder.set(event.production_order_id, []);
    byOrder.get(event.production_order_id).push(event);
  }
  // Orders still in the works first (the served vocabulary says which statuses those are), the next to
  // finish on top; the closed ones after them, folded, the latest first.
  const isOpen = (o) => words('open_production_order_statuses').includes(o.status);
  const byFinish = (a, b) => String(a.planned_finish || '').localeCompare(String(b.planned_finish || ''));
  const open = [...orders.values()].filter(isOpen).sort(byFinish);
  const closed = [...orders.values()].filter((o) => !isOpen(o)).sort((a, b) => byFinish(b, a));
  const orderList = (list) => h('ul', { class: 'list' }, list.map((order) => {
    const last = latest(byOrder.get(order.id) || []);
    const late = isOpen(order) && order.planned_finish && order.planned_finish < today() && last?.stage !== stages().at(-1);
    return h('li', {}, h('a', { class: 'row', href: `#/milestones/${order.id}`, 'data-testid': 'production-order-link',
      dataset: { status: order.status } },
    h('strong', {}, order.number),
    h('span', { class: 'muted' }, factories.get(order.factory_id)?.name || ''),
    last ? h('span', {}, t(`stage.${last.stage}`), ' · ', t('milestones.of', { qty: last.quantity, total: order.quantity }))
      : h('span', { class: 'muted' }, t('milestones.none')),
    isOpen(order) ? null : h('span', { class: 'badge' }, t(`order_status.${order.status}`)),
    late ? h('span', { class: 'badge fail' }, t('milestones.late')) : null));
  }));
  mount(root,
    h('a', { class: 'button', href: '#/' }, t('back')),
    h('h1', {}, t('milestones.title')),
    open.length ? orderList(open) : h('p', { class: 'muted' }, t('milestones.no_orders')),
    closed.length ? h('details', { class: 'closed-orders', 'data-testid': 'closed-orders' },
      h('summary', {}, t('milestones.closed', { n: closed.length })), orderList(closed)) : null,
    user.role === 'inspector' ? h('a', { class: 'button', href: '#/' }, t('inspections.title')) : null);
}

export async function showMilestoneOrder(root, orderId, { onChange }) {
  const order = await record('production_order', orderId);
  if (!order) {
    location.hash = '#/milestones';
    return;
  }
  const [events, photos] = await Promise.all([records('milestone_event'), records('photo')]);
  const history = [...events.values()].filter((e) => e.production_order_id === orderId)
    .sort((a, b) => byProgress(b, a));
  const draft = { stage: nextStage(history),
                  quantity: '', occurred_on: today(), delay_reason: '', note: '' };
  let files = [];
  const isLate = () => Boolean(order.planned_finish && draft.occurred_on > order.planned_finish);
  const reasonSlot = h('div');
  const renderReason = () => mount(reasonSlot, isLate() ? h('div', { class: 'field' },
    h('p', { class: 'notice warn' }, t('milestones.after_plan', { date: formatDay(order.planned_finish) })),
    h('label', { for: 'delay_reason' }, t('milestones.delay_reason')),
    h('select', { id: 'delay_reason', required: true, onchange: (e) => { draft.delay_reason = e.target.value; } },
      h('option', { value: '' }, t('setup.none')),
      words('delay_reasons').map((r) => h('option', { value: r, selected: draft.delay_reason === r }, t(`delay.${r}`))))) : null);
  const input = (name, attrs) => h('input', { id: name, name, value: draft[name], ...attrs,
    oninput: (e) => { draft[name] = e.target.value; if (name === 'occurred_on') renderReason(); } });
  const chosen = h('span', { class: 'muted' });
  const photoThumbs = await gallery([...photos.values()].filter((p) => history.some((e) => e.id === p.milestone_event_id)));
  const form = h('form', { class: 'card', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    // Every field against the server's limits (served with the vocabulary), each message next to its field.
    const control = (selector) => form.querySelector(selector);
    const fine = checkFields([
      { control: control('#stage'), entity: 'milestone_event', field: 'stage', value: draft.stage },
      { control: control('#quantity'), entity: 'milestone_event', field: 'quantity', value: draft.quantity },
      { control: control('#occurred_on'), entity: 'milestone_event', field: 'occurred_on', value: draft.occurred_on },
      { control: control('#milestone-note'), entity: 'milestone_event', field: 'note', value: draft.note.trim() },
    ]);
    const reasonMissing = isLate() && !draft.delay_reason;
    if (isLate()) markField(control('#delay_reason'), reasonMissing ? t('milestones.need_reason') : null);
    if (!fine || reasonMissing) return void form.querySelector('[aria-invalid=true]')?.focus();
    const quantity = Number(draft.quantity);
    // A step back (an earlier stage, a lower quantity than the last of that stage) is likely a typo: asked first.
    const questions = milestoneQuestions({ stage: draft.stage, quantity }, history, order, (s) => t(`stage.${s}`));
    if (!(await ask(control('[data-testid=record-milestone]'), questions, control('#quantity')))) return;
    // The event and its photos are recorded together or not at all (the photos are resized first).
    const milestone = upsertChange('milestone_event', { production_order_id: orderId, stage: draft.stage, quantity,
      occurred_on: draft.occurred_on, delay_reason: isLate() ? draft.delay_reason : null, note: draft.note.trim() || null });
    const photos = [];
    for (const file of files) {
      photos.push(await photoChangeFor(file, { milestone_event_id: milestone.recordId }, 'milestone'));
    }
    await batch([milestone, ...photos]);
    onChange?.();
    await draw(() => showMilestoneOrder(root, orderId, { onChange }));
    const saved = root.querySelector('[data-testid=milestone-saved]');
    if (saved) saved.textContent = t('milestones.saved', { stage: t(`stage.${draft.stage}`) });
  } },
  h('h2', {}, t('milestones.record')),
  h('div', { class: 'field' }, h('label', { for: 'stage' }, t('milestones.stage')),
    h('select', { id: 'stage', onchange: (e) => { draft.stage = e.target.value; } },
      stages().map((s) => h('option', { value: s, selected: s === draft.stage }, t(`stage.${s}`))))),
  h('div', { class: 'field' }, h('label', { for: 'quantity' }, t('milestones.quantity')),
    input('quantity', { type: 'number', inputmode: 'numeric', min: 0, required: true })),
  h('div', { class: 'field' }, h('label', { for: 'occurred_on' }, t('milestones.date')), input('occurred_on', { type: 'date', required: true })),
  reasonSlot,
  h('div', { class: 'field' }, h('label', { for: 'milestone-note' }, t('milestones.note')),
    h('input', { id: 'milestone-note', type: 'text', maxlength: 4000, oninput: (e) => { draft.note = e.target.value; } })),
  h('div', { class: 'actions' }, cameraButton(t('milestones.photo'), 'photo-milestone', (picked) => {
    files = picked;
    chosen.textContent = t('milestones.photos_chosen', { n: files.length });
  }), chosen),
  h('button', { type: 'submit', class: 'primary', 'data-testid': 'record-milestone' }, t('milestones.save')));
  renderReason();
  mount(root,
    h('a', { class: 'button', href: '#/milestones' }, t('back')),
    h('h1', {}, order.number),
    h('p', { class: 'muted' }, t('milestones.order_summary', { qty: order.quantity, finish: formatDay(order.planned_finish) || '—' })),
    h('p', { role: 'status', 'data-testid': 'milestone-saved' }),
    form,
    h('section', { class: 'card' }, h('h2', {}, t('milestones.history')),
      history.length ? h('ul', { class: 'list' }, history.map((e) => h('li', { class: 'row', 'data-testid': 'milestone' },
        h('strong', {}, t(`stage.${e.stage}`)), h('span', {}, t('milestones.of', { qty: e.quantity, total: order.quantity })),
        h('span', { class: 'muted' }, formatDay(e.occurred_on)),
        e.delay_reason ? h('span', { class: 'badge limit' }, t(`delay.${e.delay_reason}`)) : null,
        e._pending ? h('span', { class: 'badge uploading' }, t('milestones.waiting')) : null,
        e.note ? h('span', { class: 'note' }, e.note) : null))) : h('p', { class: 'muted' }, t('milestones.none')),
      photoThumbs));
}
