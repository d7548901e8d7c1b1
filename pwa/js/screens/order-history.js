// An order's history as the server reads it from the audit trail: each change with who made it, when, from where,
// and every field's old and new value (of a plan, only the stages that changed). Shown on a purchase order's page
// and on a production order's timeline.
// Worded for a manager, not as the database keeps it: the server names every referenced record (an order line as
// its style and colourway, a person by name); the phone words field names, vocabulary codes (stages, statuses,
// delay reasons) in its language and formats dates and numbers through Intl, by the served field types.
import { h } from '../dom.js';
import { formatDateTime, formatDay, formatDecimal, formatNumber, t } from '../i18n.js';
import { pairs } from '../purchase-orders.js';
import { fieldLabel } from '../refusals.js';
import { fieldLimits } from '../vocabulary.js';

// The message family that words a field's vocabulary codes (the codes themselves are served; only which family
// of message keys names them lives here). A status is worded by its record's own family.
const STATUS_WORDS = { purchase_order: 'po_status', production_order: 'order_status', inspection: 'status' };
const FIELD_WORDS = { stage: 'stage', delay_reason: 'delay', inspection_type: 'type', disposition: 'disposition',
                      count_basis: 'count_basis',
                      verdict: 'verdict', verdict_critical: 'verdict', verdict_major: 'verdict', verdict_minor: 'verdict',
                      switching_critical: 'switching', switching_major: 'switching', switching_minor: 'switching' };

function wordFamily(entity, field) {
  return field === 'status' ? STATUS_WORDS[entity] : FIELD_WORDS[field];
}

// A planned day per stage: "Sewing 8 Mar 2026; Cut 1 Mar 2026".
function stagePlan(plan) {
  return Object.entries(plan).map(([stage, day]) => `${t(`stage.${stage}`)} ${day ? formatDay(day) : '–'}`).join('; ') || '–';
}

// An inspection's sampling plan, per class: "Major: Inspect 80 units, Ac 5 · Re 6" (the full-inspection plan too).
function samplingPlan(plan) {
  return Object.entries(plan).map(([severity, step]) => (step && typeof step === 'object'
    ? `${t(`class.${severity}`)}: ${step.full_inspection ? t('plan.full', { n: step.sample_size })
      : t('plan.sample', { n: step.sample_size })}, ${t('plan.ac_re', { ac: step.accept, re: step.reject })}`
    : `${t(`class.${severity}`)}: ${String(step)}`)).join('; ') || '–';
}

function historyValue(entity, field, value) {
  if (value === null || value === undefined || value === '') return '–';
  if (field === 'stage_plan' && typeof value === 'object') return stagePlan(value);
  if (field === 'plan' && typeof value === 'object') return samplingPlan(value);
  if (typeof value === 'object') return pairs(value);
  const family = wordFamily(entity, field);
  if (family) return t(`${family}.${value}`);
  switch (fieldLimits(entity, field)?.type) {
    case 'date': return formatDay(value);
    case 'datetime': return formatDateTime(value);
    case 'integer': return typeof value === 'number' ? formatNumber(value) : String(value);
    case 'decimal': return formatDecimal(value);
    default: return String(value);
  }
}

// Of two plans (objects), only the entries that changed: "Sewing 10 Mar → Sewing 17 Mar", not both plans.
function changedEntries(old, changed) {
  if (!old || !changed || typeof old !== 'object' || typeof changed !== 'object') return [old, changed];
  const keys = [...new Set([...Object.keys(old), ...Object.keys(changed)])]
    .filter((key) => JSON.stringify(old[key]) !== JSON.stringify(changed[key]));
  const pick = (value) => Object.fromEntries(keys.filter((key) => key in value).map((key) => [key, value[key]]));
  return [pick(old), pick(changed)];
}

function historyChange(entity, action, field, change) {
  const [old, changed] = changedEntries(change.old, change.new);
  return h('li', { 'data-field': field }, h('span', { class: 'field-name' }, fieldLabel(field)), ': ',
    action === 'insert' ? historyValue(entity, field, change.new)
      : [h('del', {}, historyValue(entity, field, old)), ' → ', h('ins', {}, historyValue(entity, field, changed))]);
}

// "Milestone MO-A-1 · Sewing": the kind of record, its number, its stage or inspection type in words.
function recordLabel(entry) {
  const code = entry.record_code;
  const codeWords = code ? t(`${entry.entity === 'milestone_event' ? 'stage' : 'type'}.${code}`) : null;
  return [t(`entity.${entry.entity}`), ' ', entry.record_name ?? entry.record, codeWords ? ` · ${codeWords}` : ''];
}

function historyEntry(entry) {
  return h('li', { 'data-testid': 'history-entry' },
    h('p', {}, h('strong', {}, t(`history.action.${entry.action}`), ': ', recordLabel(entry)), ' · ',
      entry.actor ? entry.actor.name : t('history.system'), ' · ', t(`history.source.${entry.source}`), ' · ',
      h('time', { datetime: entry.at }, formatDateTime(entry.at))),
    h('ul', { class: 'changes' }, Object.entries(entry.changes)
      .map(([field, change]) => historyChange(entry.entity, entry.action, field, change))));
}

export function historySection(history) {
  return h('section', { class: 'card', 'data-testid': 'order-history' }, h('h2', {}, t('order.history')),
    history.length ? h('ol', { class: 'history' }, history.map(historyEntry)) : h('p', { class: 'muted' }, t('order.history_none')));
}
