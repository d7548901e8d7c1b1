// One production order's timeline: every milestone stage's planned day against the day it was actually reached,
// on one axis with the ex-factory date and the projected ship date; late stages with their delay reason; whether
// the order is projected to ship late, at which stage it slips and why; and its history (the plan's changes, its
// milestones and bookings). Reached from its purchase order's page and from the list of orders at risk. Managers
// and admins change the plan here (a planned day per stage, the ex-factory date); the server checks it, records
// the change in the order's history and projects again.
// Asked of the server: managers keep no factory's orders on their phone.
import { ApiError, NetworkError, getJson, request } from '../api.js';
import { markField } from '../checks.js';
import { h, mount } from '../dom.js';
import { draw } from '../draw.js';
import { formatDay, formatNumber, t } from '../i18n.js';
import { position, span } from '../timeline.js';
import { may, words } from '../vocabulary.js';
import { reasonName } from './milestone-figures.js';
import { historySection } from './order-history.js';

function day(value) {
  return value ? formatDay(value) : '–';
}

// saved: the plan was just changed (said above the timeline drawn from the new projection).
export async function showProductionOrder(root, id, { user, saved = false }) {
  mount(root, h('h1', {}, t('timeline.title')), h('p', { class: 'loading' }, t('orders.loading')));
  let order;
  let outlook;
  let history;
  try {
    [order, outlook, history] = await Promise.all([getJson(`/api/v1/production-orders/${id}`),
      getJson(`/api/v1/production-orders/${id}/timeline`), getJson(`/api/v1/production-orders/${id}/history?page_size=100`)]);
  } catch (error) {
    if (!(error instanceof NetworkError) && !(error instanceof ApiError && error.status === 404)) throw error;
    mount(root, h('h1', {}, t('timeline.title')),
      h('p', { class: 'notice warn' }, error instanceof NetworkError ? t('orders.offline') : t('timeline.not_found')));
    return;
  }
  mount(root,
    h('p', {}, h('a', { href: `#/orders/${order.purchase_order_id}`, 'data-testid': 'timeline-order-link' }, t('timeline.back'))),
    h('h1', { 'data-testid': 'timeline-title' }, order.number, ' ', h('span', { class: `badge ${order.status}` }, t(`order_status.${order.status}`))),
    saved ? h('p', { class: 'notice', role: 'status', 'data-testid': 'plan-saved' }, t('timeline.saved')) : null,
    outlookSection(outlook),
    stagesSection(outlook),
    may(user.role, 'production_order', 'update') ? planForm(root, order, user) : null,
    historySection(history));
}

function outlookSection(outlook) {
  const term = (key, value, testid) => [h('dt', {}, t(key)), h('dd', { 'data-testid': testid }, value)];
  let verdict;
  if (outlook.at_risk) {
    verdict = h('p', { class: 'notice warn', 'data-testid': 'timeline-verdict' }, t('timeline.late', { n: outlook.days_late }),
      outlook.slipping_stage ? [' ', t('timeline.slipping', { stage: t(`stage.${outlook.slipping_stage}`),
        reason: outlook.reason ? reasonName(outlook.reason) : t('risk.no_reason') })] : null);
  } else {
    verdict = h('p', { class: 'notice', 'data-testid': 'timeline-verdict' },
      outlook.projected_ship_date && outlook.ex_factory_date ? t('timeline.on_time') : t('timeline.no_projection'));
  }
  return h('section', { class: 'card' },
    h('dl', { class: 'terms' },
      term('risk.ex_factory', day(outlook.ex_factory_date), 'timeline-ex-factory'),
      term('risk.projected', day(outlook.projected_ship_date), 'timeline-projected'),
      term('risk.days_late', formatNumber(outlook.days_late), 'timeline-days-late')),
    verdict);
}

// The stages in the served order, each a row: planned, actual, days late, why; and its marks on the shared axis.
function stagesSection(outlook) {
  const axis = span([...outlook.stages.flatMap((s) => [s.planned, s.actual]), outlook.ex_factory_date, outlook.projected_ship_date]);
  const mark = (kind, value) => {
    const element = h('span', { class: `mark ${kind}` });
    element.style.left = `${position(value, axis)}%`; // through the CSSOM: the page's CSP allows no inline style
    return element;
  };
  const track = (stage) => {
    if (!axis) return null;
    const marks = [];
    if (outlook.ex_factory_date) marks.push(mark('ex-factory', outlook.ex_factory_date));
    if (outlook.projected_ship_date) marks.push(mark('projected', outlook.projected_ship_date));
    if (stage.planned && stage.actual) {
      const [from, to] = [stage.planned, stage.actual].sort();
      const bar = h('span', { class: `gap ${stage.actual > stage.planned ? 'late' : 'early'}` });
      bar.style.left = `${position(from, axis)}%`;
      bar.style.width = `${position(to, axis) - position(from, axis)}%`;
      marks.push(bar);
    }
    if (stage.planned) marks.push(mark('planned', stage.planned));
    if (stage.actual) marks.push(mark('actual', stage.actual));
    return h('div', { class: 'track' }, marks);
  };
  const late = (stage) => (stage.days_late === null ? '–' : formatNumber(stage.days_late));
  return h('section', { class: 'card' }, h('h2', {}, t('timeline.stages')),
    // On a phone the table scrolls sideways: a named region the keyboard can reach and scroll too.
    h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('timeline.stages') },
      h('table', { class: 'figures timeline', 'data-testid': 'timeline-stages' },
      h('thead', {}, h('tr', {}, ['timeline.stage', 'timeline.planned', 'timeline.actual', 'risk.days_late', 'risk.reason']
        .map((key) => h('th', { scope: 'col' }, t(key))), h('th', { scope: 'col', class: 'track-cell' }, t('timeline.track')))),
      h('tbody', {}, outlook.stages.map((stage) => h('tr', {
        'data-testid': `stage-${stage.stage}`, class: stage.days_late > 0 ? 'late' : null },
      h('th', { scope: 'row' }, t(`stage.${stage.stage}`)),
      h('td', { 'data-label': t('timeline.planned') }, day(stage.planned)),
      h('td', { 'data-label': t('timeline.actual') }, stage.actual ? formatDay(stage.actual) : (stage.planned ? t('timeline.not_reached') : '–')),
      h('td', { 'data-testid': 'stage-days-late', 'data-label': t('risk.days_late') }, late(stage)),
      h('td', { 'data-label': t('risk.reason') }, stage.reason ? reasonName(stage.reason) : (stage.days_late > 0 ? t('risk.no_reason') : '–')),
      h('td', { class: 'track-cell', 'aria-hidden': 'true' }, track(stage))))))),
    axis ? h('p', { class: 'legend timeline-legend muted', 'aria-hidden': 'true' },
      [['planned', 'timeline.planned'], ['actual', 'timeline.actual'], ['ex-factory', 'risk.ex_factory'], ['projected', 'risk.projected']]
        .map(([kind, key]) => h('span', {}, h('span', { class: `mark ${kind}` }), t(key)))) : null);
}

// A planned day per stage and the ex-factory date; the whole plan is sent, a stage left empty is not planned.
function planForm(root, order, user) {
  const stages = words('milestone_stages');
  const controls = {};
  const input = (name, label, value) => {
    const control = h('input', { type: 'date', id: `plan-${name}`, value: value || '' });
    control.addEventListener('change', () => markField(control, null));
    controls[name] = control;
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  };
  const problem = h('div', { 'aria-live': 'polite' });
  const submit = async (event) => {
    event.preventDefault();
    for (const control of Object.values(controls)) markField(control, null);
    mount(problem);
    const stagePlan = Object.fromEntries(stages.filter((stage) => controls[stage].value).map((stage) => [stage, controls[stage].value]));
    const button = event.submitter;
    button.disabled = true;
    try {
      await request('PATCH', `/api/v1/production-orders/${order.id}`,
        { json: { stage_plan: stagePlan, ex_factory_date: controls.ex_factory_date.value || null } });
    } catch (error) {
      button.disabled = false;
      if (error instanceof NetworkError) return mount(problem, h('p', { class: 'error', role: 'alert', 'data-testid': 'plan-error' }, t('orders.offline')));
      if (!(error instanceof ApiError)) throw error;
      return mount(problem, h('p', { class: 'error', role: 'alert', 'data-testid': 'plan-error' }, error.message, ' ', unplaced(error.fields, controls).join(' ')));
    }
    return draw(() => showProductionOrder(root, order.id, { user, saved: true }));
  };
  return h('section', { class: 'card' }, h('h2', {}, t('timeline.edit')),
    h('form', { class: 'plan-form', novalidate: true, onsubmit: submit, 'data-testid': 'plan-form' },
      stages.map((stage) => input(stage, t(`stage.${stage}`), order.stage_plan?.[stage])),
      input('ex_factory_date', t('risk.ex_factory'), order.ex_factory_date),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'save-plan' }, t('timeline.save'))),
    problem);
}

// The server's problems next to their fields (a stage's own date, the ex-factory date); the rest, as text.
function unplaced(fields = {}, controls) {
  const rest = [];
  const place = (name, problems) => {
    const text = [problems].flat().join(' ');
    if (!controls[name] || !markField(controls[name], text)) rest.push(text);
  };
  for (const [name, problems] of Object.entries(fields)) {
    if (name === 'stage_plan' && problems && !Array.isArray(problems)) {
      for (const [stage, stageProblems] of Object.entries(problems)) place(stage, Array.isArray(stageProblems) ? stageProblems : Object.values(stageProblems).flat());
    } else {
      place(name, problems);
    }
  }
  return rest;
}
