// The one module that owns IndexedDB. Every local change is one strict
// transaction that updates nothing but the outbox (the replica is the
// server's state; what a screen shows is the replica with the outbox on top),
// so a change is either recorded for sync or not made at all. Changes made
// together (a new inspection and its item, a finalize with its signatures) share
// one transaction: all of them are recorded or none.
//
// The outbox is keyed by mutation id, and every mutation up to the meta value
// `acked_through` is acknowledged, none after it: the unsent mutations are the key
// range past it, so reading, counting and acknowledging them costs the same
// whatever the journal holds. Acknowledged mutations stay for JOURNAL_RETENTION_MS
// (PROTOCOL.md 6.3: a server restored from a backup may ask for them again).
import { openDB, unwrap } from '/vendor/idb/index.js';

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
  // 3: the unsent mutations are a key range past `acked_through`, not an index over every row. The highest
  // acknowledged id is read once, from the old index, before the index goes. Mutations acknowledged before
  // this version carry no acked_at: for pruning they count as acknowledged at the upgrade.
  (db, transaction) => {
    const outbox = transaction.objectStore('outbox');
    const meta = transaction.objectStore('meta');
    meta.put({ key: 'journal_upgraded_at', value: Date.now() });
    return outbox.index('by_acked').openKeyCursor(IDBKeyRange.only(1), 'prev').then((highest) => {
      meta.put({ key: 'acked_through', value: highest ? highest.primaryKey : 0 });
      outbox.deleteIndex('by_acked');
    });
  },
  // 4: a kind's replica rows are the key range of their [entity, id] keys (entityRange): the index over the entity
  // only repeated the key's first half, and cost a second write for every row a push answer or a pull writes.
  (db, transaction) => {
    transaction.objectStore('replica').deleteIndex('by_entity');
  },
];
export const DB_VERSION = MIGRATIONS.length;
export { MIGRATIONS };

export function upgradeFrom(db, oldVersion, transaction, migrations = MIGRATIONS) {
  for (let version = oldVersion; version < migrations.length; version += 1) migrations[version](db, transaction);
}

// --- the connection ----------------------------------------------------------------------------------------
// One connection, opened at first use and opened again whenever it is gone: the browser may close it
// (storage cleared, a disk error: 'close'), a newer version of the app in another tab asks for it
// ('versionchange'), or anything may call close() on it. Every operation asks openDatabase() first, which
// hands out a live connection, so the app never sits on a dead one.

let opened = null;
const stateListeners = new Set();

// The connection's trouble the user must act on: 'blocked' (an older tab holds the database this version must
// upgrade; it opens as soon as that tab closes), 'outdated' (a newer version took the database in another
// tab; this page must reload), or null (all well).
export function onConnectionState(listener) {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}

function tell(state) {
  for (const listener of stateListeners) listener(state);
}

function connect(name) {
  const connection = openDB(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      upgradeFrom(db, oldVersion, transaction);
    },
    blocked() {
      tell('blocked'); // the open waits, and goes on by itself once the other tabs let go
    },
    blocking(_currentVersion, newVersion) {
      // A newer version wants to upgrade (or a tab deletes the database): let it. The next use opens again,
      // which fails while the version is above this page's: its code is outdated.
      forgetConnection(connection);
      connection.then((db) => db.close());
      if (newVersion > DB_VERSION) tell('outdated');
    },
    terminated() {
      forgetConnection(connection); // closed by the browser: the next use opens again
    },
  });
  connection.then(() => tell(null), (error) => {
    forgetConnection(connection); // an open that failed is tried again at the next use
    if (error?.name === 'VersionError') tell('outdated');
  });
  return connection;
}

function forgetConnection(connection) {
  if (opened === connection) opened = null;
}

// A closed connection refuses new transactions at once; that is the only sign it gives. (The bare connection:
// idb's wrapper would give the probe a `done` promise that rejects, unheard, when it is aborted.)
function isOpen(db) {
  try {
    unwrap(db).transaction('meta').abort();
    return true;
  } catch {
    return false;
  }
}

export async function openDatabase(name = DB_NAME) {
  for (let attempt = 1; ; attempt += 1) {
    if (!opened) opened = connect(name);
    const connection = opened;
    const db = await connection;
    if (isOpen(db)) return db;
    forgetConnection(connection);
    if (attempt === 3) throw new DOMException('The database closes as soon as it opens.', 'InvalidStateError');
  }
}

const STRICT = { durability: 'strict' };

// How long an acknowledged mutation is kept (PROTOCOL.md 6.3), and how many of the newest are kept however old
// (a phone used once a month still holds its last inspections' worth).
export const JOURNAL_RETENTION_MS = 30 * 24 * 3600 * 1000;
export const JOURNAL_KEEP_AT_LEAST = 1000;

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

// A change to record: build them with upsertChange, deleteChange, finalizeChange, photoChange.
export function upsertChange(entity, fields, recordId = null) {
  return { entity, op: 'upsert', recordId: recordId || fields.id || newId(), fields: stripId(fields) };
}

export function deleteChange(entity, recordId) {
  return { entity, op: 'delete', recordId, fields: {} };
}

// Finalize is an operation of its own (PROTOCOL.md 2.1.1): the server recomputes the verdict the
// phone showed and refuses a mismatch. fields: { verdict: {critical, major, minor, overall}, disposition, ... }.
export function finalizeChange(inspectionId, fields) {
  return { entity: 'inspection', op: 'finalize', recordId: inspectionId, fields };
}

// A photo's record and its bytes (kept until uploaded). Hashing is done here, before any transaction opens:
// an IndexedDB transaction ends when it waits on anything else.
export async function photoChange(data, fields) {
  const sha256 = await sha256Hex(data);
  return { entity: 'photo', op: 'upsert', recordId: newId(), fields: { ...fields, sha256 }, photo: { sha256, data } };
}

// Record changes in ONE strict transaction, numbered in order: all are recorded or none. The mutation
// counter is read and written once; the requests go out together and the transaction waits for all.
export async function batch(requested) {
  if (!requested.length) return [];
  const db = await openDatabase();
  const withPhotos = requested.some((change) => change.photo);
  const tx = db.transaction(['meta', 'replica', 'outbox', 'rejections', ...(withPhotos ? ['photos'] : [])], 'readwrite',
                            STRICT);
  let changes = requested;
  try {
    const first = (await tx.objectStore('meta').get('next_mutation_id'))?.value ?? 1;
    const replica = tx.objectStore('replica');
    changes = await resendingRefused(tx, requested);
    const server = await Promise.all(changes.map((change) => replica.get([change.entity, change.recordId])));
    const outbox = tx.objectStore('outbox');
    const madeAt = new Date().toISOString();
    const writes = changes.map((change, n) => outbox.add({
      id: first + n, entity: change.entity, op: change.op, record_id: change.recordId, fields: change.fields,
      base_version: server[n] ? server[n].version : null, made_at: madeAt,
    }));
    writes.push(tx.objectStore('meta').put({ key: 'next_mutation_id', value: first + changes.length }));
    if (withPhotos) {
      const photos = tx.objectStore('photos');
      for (const { photo } of changes.filter((change) => change.photo)) {
        writes.push(photos.getKey(photo.sha256).then((held) => held === undefined
          && photos.put({ sha256: photo.sha256, data: photo.data, state: 'waiting', added_at: Date.now() })));
      }
    }
    await Promise.all([...writes, tx.done]);
  } catch (error) {
    // A request refused at once (fields that cannot be stored) leaves the others queued: abort them all.
    try {
      tx.abort();
    } catch {
      // already aborted by the failed request, or already finished
    }
    await tx.done.catch(() => {});
    throw error;
  }
  forget({ entities: [], unsent: true });
  return requested.map((change) => change.recordId);
}

// A change to a record the server refused to create (it is on the phone only, marked "not accepted")
// sends it again whole: its refused fields with the correction on top, followed by the refused records
// that named it (a refused inspection's defects), so a correction needs no second step. Their refusals
// are set aside as answered, in the same transaction.
async function resendingRefused(tx, changes) {
  const refusals = await tx.objectStore('rejections').getAll();
  const refusedCreates = refusals.filter((r) => r.op === 'upsert');
  if (!refusedCreates.length) return changes;
  const replica = tx.objectStore('replica');
  const answered = [];
  const result = [];
  for (const change of changes) {
    const refused = change.op === 'upsert' && !(await replica.get([change.entity, change.recordId]))
      ? refusedCreates.find((r) => r.entity === change.entity && r.record_id === change.recordId) : null;
    if (!refused) {
      result.push(change);
      continue;
    }
    result.push({ ...change, fields: { ...refused.sent, ...change.fields } });
    answered.push(refused.mutation_id);
    for (const dependent of refusedCreates) {
      if (dependent !== refused && Object.values(dependent.sent || {}).includes(change.recordId)) {
        result.push({ entity: dependent.entity, op: 'upsert', recordId: dependent.record_id, fields: dependent.sent });
        answered.push(dependent.mutation_id);
      }
    }
  }
  if (answered.length) {
    for (const id of answered) await tx.objectStore('rejections').delete(id);
    const dismissed = (await tx.objectStore('meta').get('dismissed_rejections'))?.value || [];
    await tx.objectStore('meta').put({ key: 'dismissed_rejections', value: [...dismissed, ...answered] });
  }
  return result;
}

// A single change (a defect tap) is a batch of one: its own transaction.
export async function upsert(entity, fields, recordId = null) {
  return (await batch([upsertChange(entity, fields, recordId)]))[0];
}

export async function remove(entity, recordId) {
  return (await batch([deleteChange(entity, recordId)]))[0];
}

export async function finalize(inspectionId, fields) {
  return (await batch([finalizeChange(inspectionId, fields)]))[0];
}

// What an unsent finalize looks like on the inspection until the server's own record comes back.
function finalizedView(fields) {
  const { verdict, ...rest } = fields;
  return { ...rest, status: 'finalized', verdict: verdict.overall, verdict_critical: verdict.critical,
           verdict_major: verdict.major, verdict_minor: verdict.minor };
}

export async function addPhoto(data, fields) {
  const change = await photoChange(data, fields);
  await batch([change]);
  return { recordId: change.recordId, sha256: change.photo.sha256 };
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
  const result = replicaFrom(await (await openDatabase()).getAll('replica', entityRange(entity)));
  if (started === generation) replicaCache.set(entity, result);
  return result;
}

// Every replica key of one kind: [entity, id] keys sort by entity first, and an array sorts after any string id.
function entityRange(entity) {
  return IDBKeyRange.bound([entity], [entity, []]);
}

function replicaFrom(rows) {
  const result = new Map();
  for (const row of rows) if (!row.deleted) result.set(row.id, { ...row.fields, id: row.id, _version: row.version });
  return result;
}

// The key range of the unsent mutations: every id past the last acknowledged one.
function unsentRange(ackedThrough) {
  return IDBKeyRange.lowerBound(ackedThrough + 1);
}

async function ackedThroughIn(tx) {
  return (await tx.objectStore('meta').get('acked_through'))?.value ?? 0;
}

// What the phone holds beyond the replica: unsent mutations (acknowledged ones are in the replica since their
// answer, see keepApplied), and the creations the server refused.
async function unsent() {
  if (unsentCache) return unsentCache;
  const started = generation;
  const tx = (await openDatabase()).transaction(['meta', 'outbox', 'rejections'], 'readonly');
  const read = await unsentIn(tx);
  await tx.done;
  if (started === generation) unsentCache = read;
  return read;
}

async function unsentIn(tx) {
  const mutations = await tx.objectStore('outbox').getAll(unsentRange(await ackedThroughIn(tx)));
  const refused = (await tx.objectStore('rejections').getAll()).filter((r) => r.op === 'upsert');
  return { mutations, refused };
}

// The replica and the unsent mutations as of one moment. Read apart (each from its cache or its own
// transaction), an acknowledgement landing between the two reads gave the replica from before it and the
// outbox from after it: a record just acknowledged was in neither, and its screen sent the inspector back to
// the list. Any write that lands meanwhile bumps the generation; then both are read again in one transaction.
async function snapshot(entity) {
  const started = generation;
  const [replica, pending] = await Promise.all([replicaOf(entity), unsent()]);
  if (started === generation) return [replica, pending];
  const tx = (await openDatabase()).transaction(['replica', 'meta', 'outbox', 'rejections'], 'readonly');
  const [rows, again] = await Promise.all([tx.objectStore('replica').getAll(entityRange(entity)), unsentIn(tx)]);
  await tx.done;
  return [replicaFrom(rows), again];
}

export async function records(entity) {
  const [replica, { mutations, refused }] = await snapshot(entity);
  const result = new Map(replica);
  // A record the server refused to create stays where it was, marked with the reason, until the inspector
  // corrects it (which sends it again) or discards it: a sync never makes work disappear.
  for (const r of refused) {
    if (r.entity !== entity || result.has(r.record_id)) continue;
    result.set(r.record_id, { ...r.sent, id: r.record_id,
                              _refused: { code: r.code, message: r.message, fields: r.fields || {} } });
  }
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
  const tx = db.transaction(['meta', 'outbox'], 'readonly');
  const mutations = await tx.objectStore('outbox').count(unsentRange(await ackedThroughIn(tx)));
  await tx.done;
  const photos = await db.countFromIndex('photos', 'by_state', 'waiting');
  const issues = (await db.count('rejections')) + (await db.count('conflicts'));
  return { mutations, photos, issues };
}

// --- what sync needs -----------------------------------------------------------------------------------

// The first `limit` unsent mutations, in id order: one key range read, whatever the journal holds.
export async function unackedMutations(limit) {
  const tx = (await openDatabase()).transaction(['meta', 'outbox'], 'readonly');
  const mutations = await tx.objectStore('outbox').getAll(unsentRange(await ackedThroughIn(tx)), limit);
  await tx.done;
  return mutations;
}

// The first `limit` mutations after `id`, sent or not: the batch that follows one the server has just answered.
export async function mutationsAfter(id, limit) {
  return (await openDatabase()).getAll('outbox', IDBKeyRange.lowerBound(id, true), limit);
}

// A push answer covers every mutation up to lastMutationId. Acknowledging moves `acked_through` and notes when
// (the journal's retention counts from it): the outbox rows themselves are not rewritten, so an answer to 2,000
// mutations costs a read and a write per record it wrote into the replica. `sent`, the mutations the push sent
// (as read from the outbox), spares reading them again; without them, or when they do not cover the answer,
// they are read from the outbox.
export async function acknowledge(lastMutationId, results, sent = []) {
  const db = await openDatabase();
  const tx = db.transaction(['meta', 'outbox', 'rejections', 'conflicts', 'replica'], 'readwrite', STRICT);
  const applied = new Map();
  for (const answered of results) {
    // A duplicate was handled by an earlier push whose answer was lost: its first outcome still counts.
    const result = answered.status === 'duplicate' ? { id: answered.id, ...(answered.outcome || {}) } : answered;
    if (result.status === 'applied') applied.set(result.id, result);
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
  const through = await ackedThroughIn(tx);
  let kept = [];
  if (lastMutationId > through) {
    const now = Date.now();
    const answered = await answeredMutations(tx, through, lastMutationId, sent);
    const keeping = answered.filter((m) => applied.has(m.id));
    kept = [...new Set(keeping.map((m) => m.entity))];
    await keepApplied(tx, byRecord(keeping), applied);
    const meta = tx.objectStore('meta');
    const log = await ackLog(meta, through, now);
    await meta.put({ key: 'ack_log', value: [...log, { through: lastMutationId, at: now }] });
    await meta.put({ key: 'acked_through', value: lastMutationId });
    await pruneJournal(tx, lastMutationId, now);
  }
  await tx.done;
  forget({ entities: kept, unsent: true }); // only the kinds whose replica rows keepApplied wrote
}

// The mutations after `through` up to `last`: those the push sent when they are all there (outbox rows are never
// rewritten, so they are what the outbox holds), else read from the outbox.
async function answeredMutations(tx, through, last, sent) {
  const inRange = sent.filter((m) => m.id > through && m.id <= last);
  if (inRange.length === last - through) return inRange;
  return tx.objectStore('outbox').getAll(IDBKeyRange.bound(through + 1, last));
}

function byRecord(mutations) {
  const groups = new Map();
  for (const mutation of mutations) {
    const key = `${mutation.entity}/${mutation.record_id}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(mutation);
  }
  return groups;
}

// When each range of mutations was acknowledged: [{ through, at }], oldest first. A phone that acknowledged
// before the log existed starts it now for all it holds (the retention then runs from today: longer, never shorter).
async function ackLog(meta, through, now) {
  const log = (await meta.get('ack_log'))?.value;
  if (log) return log;
  return through > 0 ? [{ through, at: now }] : [];
}

// Applied changes go into the replica at once, so that nothing on screen moves between the push and the next
// pull. An upsert as sent, with the fields the server filled in (PROTOCOL.md 2.11): the server does not send it
// back when it stored it so (3.7), and sends its own copy when it did not; a delete or a finalize as the phone
// showed it, until the pull brings the server's record. A record's mutations are folded in order onto one read
// of its row.
// A record the phone created (its first mutation here had no base version) is most likely not in the replica
// yet: its row is added without reading first, one request instead of two, and only if the replica holds it
// after all (the add is refused) is it read and folded onto. Every request goes out at once, bare: an answer
// writes 2,000 rows, and a promise per request (idb's) cost a quarter of the page's time in the push. A failed
// request other than that refused add aborts the transaction, which the caller awaits.
function keepApplied(tx, groups, applied) {
  const replica = unwrap(tx.objectStore('replica'));
  let waiting = groups.size;
  return new Promise((resolve, reject) => {
    const done = () => {
      waiting -= 1;
      if (!waiting) resolve();
    };
    const foldOntoHeld = (mutations) => {
      const request = replica.get([mutations[0].entity, mutations[0].record_id]);
      request.onsuccess = () => {
        const row = folded(request.result, mutations, applied);
        if (row !== request.result) replica.put(row);
        done();
      };
      request.onerror = () => reject(request.error);
    };
    if (!waiting) resolve();
    for (const mutations of groups.values()) {
      const created = mutations[0].op === 'upsert' && mutations[0].base_version == null;
      if (!created) {
        foldOntoHeld(mutations);
        continue;
      }
      const request = replica.add(folded(undefined, mutations, applied));
      request.onsuccess = done;
      request.onerror = (event) => {
        if (request.error?.name !== 'ConstraintError') return reject(request.error);
        event.preventDefault(); // held already: the transaction goes on (and idb's `done` never hears of it),
        event.stopPropagation(); // and the row is folded onto
        return foldOntoHeld(mutations);
      };
    }
  });
}

// A replica row (or undefined) with a record's applied mutations folded on, in order: a record made and then
// changed before one sync keeps the fields of both.
function folded(held, mutations, applied) {
  const { entity, record_id: id } = mutations[0];
  let row = held;
  for (const mutation of mutations) {
    const result = applied.get(mutation.id);
    const fields = { upsert: () => ({ ...mutation.fields, ...result.derived }),
                     finalize: () => finalizedView(mutation.fields), delete: () => ({}) }[mutation.op]?.();
    if (!fields || (!row && mutation.op !== 'upsert')) continue;
    row = { entity, id, version: result.version ?? row?.version ?? 0, deleted: mutation.op === 'delete',
            fields: { ...row?.fields, ...fields } };
  }
  return row;
}

// Acknowledged mutations older than the retention go, but never the newest JOURNAL_KEEP_AT_LEAST. They are
// acknowledged in id order, so what may go is a prefix of the outbox, deleted as one key range.
async function pruneJournal(tx, ackedThrough, now) {
  const meta = tx.objectStore('meta');
  const log = (await meta.get('ack_log'))?.value ?? [];
  const old = log.filter((entry) => entry.at < now - JOURNAL_RETENTION_MS).at(-1);
  const prunable = Math.min(old?.through ?? 0, ackedThrough - JOURNAL_KEEP_AT_LEAST);
  if (prunable < 1) return;
  await tx.objectStore('outbox').delete(IDBKeyRange.upperBound(prunable));
  await meta.put({ key: 'ack_log', value: log.filter((entry) => entry.through > prunable) });
}

// The server lacks mutations from firstMissing on (it was restored from a backup, or asks with a
// mutation_gap): mark them unsent again. One it asks for that the journal no longer keeps cannot be sent
// again: that is an error for the user to see, never a loop of refused pushes.
export async function rewind(firstMissing) {
  const db = await openDatabase();
  const tx = db.transaction(['meta', 'outbox'], 'readwrite', STRICT);
  const through = await ackedThroughIn(tx);
  if (firstMissing <= through && (await tx.objectStore('outbox').getKey(firstMissing)) === undefined) {
    tx.abort();
    await tx.done.catch(() => {});
    throw new Error(`The server asks again for change ${firstMissing}, which this phone no longer keeps `
                    + '(the server was restored from a backup older than the retention). Export and contact support.');
  }
  if (firstMissing <= through) {
    // Asked again: unsent from firstMissing on. Their acknowledgement times go too (acknowledged again later).
    const meta = tx.objectStore('meta');
    const log = (await meta.get('ack_log'))?.value ?? [];
    await meta.put({ key: 'ack_log', value: log.filter((entry) => entry.through < firstMissing) });
    await meta.put({ key: 'acked_through', value: firstMissing - 1 });
  }
  await tx.done;
  forget({ entities: [], unsent: true });
}

// The highest acknowledged mutation id: one meta read.
export async function lastAcked() {
  return getMeta('acked_through', 0);
}

// `reset` empties the replica to rebuild it from the beginning: until a pull is caught up (`caughtUp`), the
// phone asks for its own records too, since it no longer holds them (PROTOCOL.md 3.7).
export async function applyPull(changes, cursor, { reset = false, caughtUp = false } = {}) {
  const db = await openDatabase();
  const tx = db.transaction(['replica', 'meta'], 'readwrite', STRICT);
  if (reset) await tx.objectStore('replica').clear();
  for (const change of changes) {
    await tx.objectStore('replica').put({ entity: change.entity, id: change.id, version: change.version,
                                          deleted: change.deleted, fields: change.fields });
  }
  await tx.objectStore('meta').put({ key: 'cursor', value: cursor });
  if (reset || caughtUp) await tx.objectStore('meta').put({ key: 'rebuilding', value: reset });
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

// Discarding a refused inspection discards the refused records that belong to it (its defects, items...):
// without it they can never be accepted, and would stay behind as orphans the inspector cannot correct.
export async function dismissRejection(mutationId) {
  const db = await openDatabase();
  const tx = db.transaction(['rejections', 'meta'], 'readwrite', STRICT);
  const store = tx.objectStore('rejections');
  const rejection = await store.get(mutationId);
  const gone = [mutationId];
  if (rejection?.entity === 'inspection' && rejection.op === 'upsert') {
    const dependents = (await store.getAll()).filter((r) => r.entity !== 'inspection' && r.inspection_id === rejection.record_id);
    gone.push(...dependents.map((r) => r.mutation_id));
  }
  await Promise.all(gone.map((id) => store.delete(id)));
  const dismissed = (await tx.objectStore('meta').get('dismissed_rejections'))?.value || [];
  await tx.objectStore('meta').put({ key: 'dismissed_rejections', value: [...dismissed, ...gone] });
  await tx.done;
  forget({ entities: [], unsent: true });
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
  forget({ entities: [], unsent: true });
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
