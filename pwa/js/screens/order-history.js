// An order's history as the server reads it from the audit trail: each change with who made it, when, from where,
// and every field's old and new value (of a plan, only the stages that changed). Shown on a purchase order's page
// and on a production order's timeline.
import { h } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { pairs } from '../purchase-orders.js';

function historyValue(value) {
  if (value === null || value === undefined || value === '') return '–';
  return typeof value === 'object' ? pairs(value) : String(value);
}

// Of two plans (objects), only the entries that changed: "sewing=2026-04-01 → sewing=2026-04-08", not both plans.
function changedEntries(old, changed) {
  if (!old || !changed || typeof old !== 'object' || typeof changed !== 'object') return [old, changed];
  const keys = [...new Set([...Object.keys(old), ...Object.keys(changed)])]
    .filter((key) => JSON.stringify(old[key]) !== JSON.stringify(changed[key]));
  const pick = (value) => Object.fromEntries(keys.filter((key) => key in value).map((key) => [key, value[key]]));
  return [pick(old), pick(changed)];
}

function historyChange(action, field, change) {
  const [old, changed] = changedEntries(change.old, change.new);
  return h('li', {}, h('code', {}, field), ': ', action === 'insert' ? historyValue(change.new)
    : [h('del', {}, historyValue(old)), ' → ', h('ins', {}, historyValue(changed))]);
}

function historyEntry(entry) {
  return h('li', { 'data-testid': 'history-entry' },
    h('p', {}, h('strong', {}, t(`history.action.${entry.action}`), ' ', entry.record), ' · ',
      entry.actor ? entry.actor.name : t('history.system'), ' · ', t(`history.source.${entry.source}`), ' · ',
      h('time', { datetime: entry.at }, formatDateTime(entry.at))),
    h('ul', { class: 'changes' }, Object.entries(entry.changes).map(([field, change]) => historyChange(entry.action, field, change))));
}

export function historySection(history) {
  return h('section', { class: 'card', 'data-testid': 'order-history' }, h('h2', {}, t('order.history')),
    history.length ? h('ol', { class: 'history' }, history.map(historyEntry)) : h('p', { class: 'muted' }, t('order.history_none')));
}
