// The domain's words, each entity's field limits and operations, and each role's permissions, as
// the server serves them (GET /api/v1/vocabulary, with the ISO 2859-1 tables): the app keeps no
// list of its own. Read from IndexedDB at start, refreshed after every sync (a 304 until it changes).
import { getJson } from './api.js';
import { getMeta, setMeta } from './db.js';

let current = null;

export async function loadVocabulary() {
  current = await getMeta('vocabulary');
  return current;
}

export async function refreshVocabulary() {
  const { aql, ...fresh } = await getJson('/api/v1/vocabulary');
  if (current?.version === fresh.version) return;
  await setMeta('aql_tables', aql);
  await setMeta('vocabulary', fresh);
  current = fresh;
}

// A list of words, e.g. words('milestone_stages'); empty until the first sync brought the document.
export function words(name) {
  return current?.vocabulary?.[name] ?? [];
}

// The severity classes, in order: each has its own AQL, plan and verdict.
export function severities() {
  return words('severities');
}

// What the server accepts in one field: { type, required, nullable, whole, min, max, max_length, choices }.
export function fieldLimits(entity, field) {
  return current?.entities?.[entity]?.fields?.[field] ?? null;
}

// What is wrong with a value by the server's own limits for that field, or null: one of 'required', 'range'
// (a number out of its bound, not whole, or with too many decimal places), 'too_long', 'too_short', 'choice'.
// checks.js puts them into words in the phone's language (the served limits.message is the server's English).
// Checked before anything reaches the outbox, so a typo is caught on the spot rather than refused later.
export function problemWith(entity, field, value) {
  const limits = fieldLimits(entity, field);
  if (!limits) return null;
  const empty = value === null || value === undefined || String(value).trim() === '';
  if (empty) return limits.required ? 'required' : null;
  if (limits.type === 'integer' || limits.type === 'decimal') {
    const typed = String(value).trim();
    const number = Number(typed);
    const places = typed.includes('.') ? typed.length - typed.indexOf('.') - 1 : 0;
    const tooFar = !Number.isFinite(number) || (limits.min !== undefined && number < limits.min)
      || (limits.max !== undefined && number > limits.max) || (limits.whole && !Number.isInteger(number))
      || (limits.places !== undefined && places > limits.places);
    if (tooFar) return 'range';
  }
  if (limits.choices && !limits.choices.includes(value)) return 'choice';
  if (limits.max_length !== undefined && String(value).length > limits.max_length) return 'too_long';
  if (limits.min_length !== undefined && String(value).length < limits.min_length) return 'too_short';
  return null;
}

export function may(role, entity, operation) {
  return Boolean(current?.permissions?.[role]?.[entity]?.includes(operation));
}
