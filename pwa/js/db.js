// The one module that owns IndexedDB. Every local change is one strict
// transaction that updates nothing but the outbox (the replica is the
// server's state; what a screen shows is the replica with the outbox on top),
// so a change is either recorded for sync or not made at all.
import { openDB } from '/vendor/idb/index.js';

export const DB_NAME = 'seamline';

// Cumulative migrations: a phone on any earlier version runs every later step in order.
const MIGRATIONS = [
  (db) => {
    db.createObjectStore('meta', { keyPath: 'key' });
    const replica = db.createObjectStore('replica', { keyPath: ['entity', 'id'] });
    replica.createIndex('by_entity', 'entity');
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('by_acked', 'acked');
    db.createObjectStore('photos', { keyPath: 'sha256' });
    db.createObjectStore('rejections', { keyPath: 'mutation_id' });
    db.createObjectStore('conflicts', { keyPath: 'id' });
  },
  // 2: photos found by state (waiting to upload, uploaded and prunable) without reading every photo's bytes.
  (db, transaction) => {
    transaction.objectStore('photos').createIndex('by_state', 'state');
  },
];
export const DB_VERSION = MIGRATIONS.length;
export { MIGRATIONS };

let opened = null;

export function upgradeFrom(db, oldVersion, transaction, migrations = MIGRATIONS) {
  for (let version = oldVersion; version < migrations.length; version += 1) migrations[version](db, transaction);
}

export function openDatabase(name = DB_NAME) {
  if (!opened) {
    opened = openDB(name, DB_VERSION, {
      upgrade(db, oldVersion, _newVersion, transaction) {
        upgradeFrom(db, oldVersion, transaction);
      },
      blocking() {
        // A newer tab wants to upgrade: let it, this page reloads its data when reopened.
        opened?.then((db) => db.close());
        opened = null;
      },
    });
  }
  return opened;
}

const STRICT = { durability: 'strict' };

export async function getMeta(key, fallback = null) {
  const row = await (await openDatabase()).get('meta', key);
  return row === undefined ? fallback : row.value;
}

export async function setMeta(key, value) {
  const db = await openDatabase();
  const tx = db.transaction('meta', 'readwrite', STRICT);
  await tx.store.put({ key, value });
  await tx.done;
}

// --- local changes -------------------------------------------------------------------------

function newId() {
  return crypto.randomUUID();
}

async function enqueue(entity, op, recordId, fields, extraStores = [], extra = null) {
  const db = await openDatabase();
  const tx = db.transaction(['meta', 'replica', 'outbox', ...extraStores], 'readwrite', STRICT);
  const counter = (await tx.objectStore('meta').get('next_mutation_id'))?.value ?? 1;
  const server = await tx.objectStore('replica').get([entity, recordId]);
  await tx.objectStore('outbox').put({
    id: counter, entity, op, record_id: recordId, fields, base_version: server ? server.version : null, acked: 0,
    made_at: new Date().toISOString(),
  });
  await tx.objectStore('meta').put({ key: 'next_mutation_id', value: counter + 1 });
  if (extra) await extra(tx);
  await tx.done;
  forget({ entities: [], unsent: true });
  return recordId;
}

export function upsert(entity, fields, recordId = null) {
  return enqueue(entity, 'upsert', recordId || fields.id || newId(), stripId(fields));
}

export function remove(entity, recordId) {
  return enqueue(entity, 'delete', recordId, {});
}

// Finalize is an operation of its own (PROTOCOL.md 2.1.1): the server recomputes the verdict the
// phone showed and refuses a mismatch. fields: { verdict: {critical, major, minor, overall}, disposition, ... }.
export function finalize(inspectionId, fields) {
  return enqueue('inspection', 'finalize', inspectionId, fields);
}

// What an unsent finalize looks like on the inspection until the server's own record comes back.
function finalizedView(fields) {
  const { verdict, ...rest } = fields;
  return { ...rest, status: 'finalized', verdict: verdict.overall, verdict_critical: verdict.critical,
           verdict_major: verdict.major, verdict_minor: verdict.minor };
}

export async function addPhoto(data, fields) {
  const sha256 = await sha256Hex(data);
  const recordId = newId();
  await enqueue('photo', 'upsert', recordId, { ...fields, sha256 }, ['photos'], async (tx) => {
    const store = tx.objectStore('photos');
    if (!(await store.get(sha256))) await store.put({ sha256, data, state: 'waiting', added_at: Date.now() });
  });
  return { recordId, sha256 };
}

function stripId(fields) {
  const { id, ...rest } = fields;
  return rest;
}

export async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// --- reading: the replica with unsent changes on top -------------------------------------------------------
// Screens read whole collections on every tap (2,600 measurement specs, hundreds of defects), so what
// was read stays in memory: the replica per entity until a pull changes it, the unsent changes until
// the next local change or acknowledgement. Other tabs hear of changes through a BroadcastChannel.

const replicaCache = new Map();
let unsentCache = null;
// A read that began before a change was forgotten must not be kept: it may hold what was before.
let generation = 0;
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('seamline-db');
channel?.addEventListener('message', (event) => forget(event.data, false));

function forget({ entities = null, unsent = false }, tellOthers = true) {
  generation += 1;
  if (entities === null) replicaCache.clear();
  else for (const entity of entities) replicaCache.delete(entity);
  if (unsent) unsentCache = null;
  if (tellOthers) channel?.postMessage({ entities, unsent });
}

async function replicaOf(entity) {
  if (replicaCache.has(entity)) return replicaCache.get(entity);
  const started = generation;
  const rows = await (await openDatabase()).getAllFromIndex('replica', 'by_entity', entity);
  const result = new Map();
  for (const row of rows) if (!row.deleted) result.set(row.id, { ...row.fields, id: row.id, _version: row.version });
  if (started === generation) replicaCache.set(entity, result);
  return result;
}

async function unsent() {
  if (unsentCache) return unsentCache;
  const started = generation;
  const mutations = await (await openDatabase()).getAllFromIndex('outbox', 'by_acked', 0);
  if (started === generation) unsentCache = mutations;
  return mutations;
}

export async function records(entity) {
  const [replica, mutations] = await Promise.all([replicaOf(entity), unsent()]);
  const result = new Map(replica);
  for (const mutation of mutations) {
    if (mutation.entity !== entity) continue;
    if (mutation.op === 'delete') result.delete(mutation.record_id);
    else {
      const fields = mutation.op === 'finalize' ? finalizedView(mutation.fields) : mutation.fields;
      result.set(mutation.record_id, { ...(result.get(mutation.record_id) || { id: mutation.record_id }),
                                       ...fields, _pending: true });
    }
  }
  return result;
}

export async function record(entity, id) {
  return (await records(entity)).get(id) || null;
}

export async function pendingCounts() {
  const db = await openDatabase();
  const mutations = await db.countFromIndex('outbox', 'by_acked', 0);
  const photos = await db.countFromIndex('photos', 'by_state', 'waiting');
  const issues = (await db.count('rejections')) + (await db.count('conflicts'));
  return { mutations, photos, issues };
}

// --- what sync needs -----------------------------------------------------------------------------------

export async function unackedMutations(limit) {
  const db = await openDatabase();
  const all = await db.getAllFromIndex('outbox', 'by_acked', 0);
  return all.sort((a, b) => a.id - b.id).slice(0, limit);
}

export async function acknowledge(lastMutationId, results) {
  const db = await openDatabase();
  const tx = db.transaction(['outbox', 'rejections', 'conflicts'], 'readwrite', STRICT);
  for (const answered of results) {
    // A duplicate was handled by an earlier push whose answer was lost: its first outcome still counts.
    const result = answered.status === 'duplicate' ? { id: answered.id, ...(answered.outcome || {}) } : answered;
    if (result.status === 'rejected') {
      const mutation = await tx.objectStore('outbox').get(result.id);
      await tx.objectStore('rejections').put({ mutation_id: result.id, entity: mutation?.entity, op: mutation?.op,
        record_id: mutation?.record_id, inspection_id: mutation?.fields?.inspection_id ?? null, sent: mutation?.fields ?? {},
        code: result.code, message: result.message, fields: result.fields || {}, at: new Date().toISOString() });
    }
    for (const conflict of result.conflicts || []) {
      const mutation = await tx.objectStore('outbox').get(result.id);
      await tx.objectStore('conflicts').put({ id: conflict.id, field: conflict.field, mutation_id: result.id,
        entity: mutation?.entity, record_id: mutation?.record_id, incoming_value: mutation?.fields?.[conflict.field] });
    }
  }
  let cursor = await tx.objectStore('outbox').openCursor();
  while (cursor) {
    if (cursor.value.id <= lastMutationId && !cursor.value.acked) await cursor.update({ ...cursor.value, acked: 1 });
    cursor = await cursor.continue();
  }
  await tx.done;
  forget({ entities: [], unsent: true });
}

export async function rewind(firstMissing) {
  const db = await openDatabase();
  const tx = db.transaction('outbox', 'readwrite', STRICT);
  let cursor = await tx.store.openCursor();
  while (cursor) {
    if (cursor.value.id >= firstMissing && cursor.value.acked) await cursor.update({ ...cursor.value, acked: 0 });
    cursor = await cursor.continue();
  }
  await tx.done;
  forget({ entities: [], unsent: true });
}

export async function lastAcked() {
  const db = await openDatabase();
  let last = 0;
  for (const row of await db.getAll('outbox')) if (row.acked && row.id > last) last = row.id;
  return last;
}

export async function applyPull(changes, cursor, reset) {
  const db = await openDatabase();
  const tx = db.transaction(['replica', 'meta'], 'readwrite', STRICT);
  if (reset) await tx.objectStore('replica').clear();
  for (const change of changes) {
    await tx.objectStore('replica').put({ entity: change.entity, id: change.id, version: change.version,
                                          deleted: change.deleted, fields: change.fields });
  }
  await tx.objectStore('meta').put({ key: 'cursor', value: cursor });
  await tx.done;
  forget({ entities: reset ? null : [...new Set(changes.map((c) => c.entity))] });
}

export async function waitingPhotos() {
  return (await openDatabase()).getAllFromIndex('photos', 'by_state', 'waiting');
}

export async function setPhotoState(sha256, state, error = null) {
  const db = await openDatabase();
  const tx = db.transaction('photos', 'readwrite', STRICT);
  const photo = await tx.store.get(sha256);
  if (photo) await tx.store.put({ ...photo, state, error });
  await tx.done;
}

export async function rejections() {
  return (await openDatabase()).getAll('rejections');
}

export async function dismissRejection(mutationId) {
  const db = await openDatabase();
  const tx = db.transaction(['rejections', 'meta'], 'readwrite', STRICT);
  await tx.objectStore('rejections').delete(mutationId);
  const dismissed = (await tx.objectStore('meta').get('dismissed_rejections'))?.value || [];
  await tx.objectStore('meta').put({ key: 'dismissed_rejections', value: [...dismissed, mutationId] });
  await tx.done;
}

// The server's list of this device's rejections (GET /sync/rejections) is the truth, less those the
// user dismissed: a rejection whose push answer was lost still reaches the phone.
export async function replaceRejections(list) {
  const db = await openDatabase();
  const tx = db.transaction(['rejections', 'meta'], 'readwrite', STRICT);
  const dismissed = new Set((await tx.objectStore('meta').get('dismissed_rejections'))?.value || []);
  const store = tx.objectStore('rejections');
  await store.clear();
  for (const r of list) {
    if (dismissed.has(r.mutation_id)) continue;
    const sent = r.fields || {};
    await store.put({ mutation_id: r.mutation_id, entity: r.entity, op: r.op, record_id: r.record_id,
                      inspection_id: sent.inspection_id ?? (r.entity === 'inspection' ? r.record_id : null), sent,
                      code: r.code, message: r.message, fields: r.details || {}, at: r.at });
  }
  await tx.done;
}

export async function conflicts() {
  return (await openDatabase()).getAll('conflicts');
}

// The server's list of open conflicts is the truth: it replaces what the phone knew.
export async function replaceConflicts(list) {
  const db = await openDatabase();
  const tx = db.transaction('conflicts', 'readwrite', STRICT);
  await tx.store.clear();
  for (const conflict of list) await tx.store.put(conflict);
  await tx.done;
}

// Rejections and conflicts that concern some records, to show on those records' screens.
export async function localIssues(concerns) {
  const [refused, open] = await Promise.all([rejections(), conflicts()]);
  return { rejections: refused.filter(concerns), conflicts: open.filter(concerns) };
}

// --- space on the phone ----------------------------------------------------------------------------------

// Photos the server holds can go; a photo still waiting never does.
export async function pruneUploadedPhotos() {
  const db = await openDatabase();
  const tx = db.transaction('photos', 'readwrite', STRICT);
  let freed = 0;
  let count = 0;
  let cursor = await tx.store.index('by_state').openCursor('uploaded');
  while (cursor) {
    freed += cursor.value.data?.byteLength || 0;
    count += 1;
    await cursor.delete();
    cursor = await cursor.continue();
  }
  await tx.done;
  return { count, freed };
}

export async function uploadedPhotoBytes() {
  const uploaded = await (await openDatabase()).getAllFromIndex('photos', 'by_state', 'uploaded');
  return { count: uploaded.length, bytes: uploaded.reduce((sum, p) => sum + (p.data?.byteLength || 0), 0) };
}

// --- the last resort: everything not yet synced, as one file ----------------------------------------------

export async function unsyncedSnapshot() {
  const db = await openDatabase();
  const tx = db.transaction(['outbox', 'photos'], 'readonly');
  const mutations = (await tx.objectStore('outbox').getAll()).sort((a, b) => a.id - b.id);
  const photos = await tx.objectStore('photos').index('by_state').getAll('waiting');
  await tx.done;
  return { mutations, photos };
}
