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

export function may(role, entity, operation) {
  return Boolean(current?.permissions?.[role]?.[entity]?.includes(operation));
}
