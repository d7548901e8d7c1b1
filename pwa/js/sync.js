// The outbox and the sync loop: push mutations in order, upload photos one by
// one (resumably), pull until the server has nothing more. One loop per origin
// (a Web Lock), triggered at start, when the network returns, when the app
// becomes visible or hidden, on a timer, and after every change: by Background
// Sync where the browser has it, else a few seconds after the last change.
import { ApiError, NetworkError, getJson, hasCsrfToken, request } from './api.js';
import * as db from './db.js';
import { clientId, refreshSession } from './session.js';
import { refreshVocabulary } from './vocabulary.js';

const PROTOCOL = { protocol_version: 1, schema_version: 1 };
// The protocol allows 5,000 mutations a push (PROTOCOL.md 2.9); 2,000 (about 100 KiB gzipped) keeps one
// request short enough on 2G that a dropped connection costs little to redo.
const PUSH_BATCH = 2000;
const CHUNK = 256 * 1024;
const TIMER_MS = 60_000;
// Without Background Sync (every iPhone) a change made online is pushed this long after the last change:
// a burst of taps is one push, and nobody waits for the timer.
const CHANGE_DEBOUNCE_MS = 2000;

// How long a pass that pushed nothing and pulled nothing may go without asking again for its rejections and
// conflicts (PROTOCOL.md 2.10), and for the vocabulary: a nothing-new sync is then one request.
const ISSUES_EVERY_MS = 5 * 60_000;
const VOCABULARY_EVERY_MS = 15 * 60_000;
const lastAsked = new Map();

function isStale(what, everyMs) {
  return !(Date.now() - (lastAsked.get(what) ?? -Infinity) < everyMs);
}

async function asked(what, refresh) {
  await refresh();
  lastAsked.set(what, Date.now());
}

const listeners = new Set();
let state = { running: false, lastSuccess: null, error: null };

export function onStatus(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function publish(patch) {
  state = { ...state, ...patch };
  const pending = await db.pendingCounts();
  for (const listener of listeners) listener({ ...state, ...pending, online: navigator.onLine });
}

export function status() {
  return state;
}

// One pass at a time per origin (the 'seamline-sync' lock, across tabs). A trigger that finds a pass running
// queues one more pass behind it instead of being dropped: the running pass may have pushed already, and a
// change recorded meanwhile (in any tab) would otherwise wait for the next trigger, up to the 60 s timer.
// At most one pass waits (it holds 'seamline-sync-next' until it starts); triggers that find one waiting
// answer null at once, since that pass reads the outbox only when it starts.
export async function syncNow() {
  if (!navigator.locks) return runOnce();
  let pass = null;
  const queued = await navigator.locks.request('seamline-sync-next', { ifAvailable: true }, async (next) => {
    if (!next) return false;
    await new Promise((started) => {
      pass = navigator.locks.request('seamline-sync', () => {
        started();
        return runOnce();
      });
      pass.catch(started); // never keep the queue's place if the lock itself fails
    });
    return true;
  });
  return queued ? pass : null;
}

async function runOnce() {
  await publish({ running: true });
  try {
    // Opened offline, the page has no CSRF token yet: the session cookie gets one now.
    if (!hasCsrfToken() && !(await refreshSession())) throw new ApiError(401, 'unauthorized', 'Log in again.');
    // Read before the push: the writing of its answers would hold the reads up, and only a pull changes them.
    const pullFrom = await pullQuery();
    const pushed = await push();
    let { troubled } = pushed;
    await uploadPhotos();
    const first = await pull({ recorded: pushed.recorded, query: pullFrom });
    let { changed } = first;
    if (first.rewound) {
      const again = await push();
      troubled += again.troubled;
      changed = (await pull({ recorded: again.recorded })).changed || changed;
    }
    // A refusal or a conflict of this phone's comes with a push answer (a retried one included, PROTOCOL.md
    // 2.3), and a conflict resolved elsewhere writes its record, which the pull brings: a pass with neither asks
    // again only now and then (2.10). The vocabulary changes with the server.
    if (troubled || changed || isStale('issues', ISSUES_EVERY_MS)) await asked('issues', refreshIssues);
    if (isStale('vocabulary', VOCABULARY_EVERY_MS)) await asked('vocabulary', refreshVocabulary);
    await db.setMeta('last_sync', new Date().toISOString());
    await publish({ running: false, error: null, lastSuccess: new Date().toISOString() });
  } catch (error) {
    await publish({ running: false, error: describe(error) });
  }
}

function describe(error) {
  if (error instanceof NetworkError) return { kind: 'network' };
  if (error instanceof ApiError && error.status === 401) return { kind: 'login' };
  if (error instanceof ApiError && error.code === 'client_outdated') return { kind: 'outdated' };
  if (error instanceof ApiError && error.code === 'client_revoked') return { kind: 'revoked' };
  if (error instanceof ApiError && error.code === 'client_bound') return { kind: 'bound' };
  return { kind: 'other', message: error.message };
}

// Sends every unsent mutation, two pushes in flight (PROTOCOL.md 2.4.1): while the server applies a batch, the
// next one is already on its way, so that the server reads and checks it before its turn comes, and the one after
// that is read and packed, ready to go the moment an answer comes in (reading it then would wait for the phone to
// record that answer: both use the outbox). The phone records each answer while the pushes behind it go on (the
// server committed it; were that local write lost, the batch would only be sent again, as duplicates, 2.3). When
// a push fails, the one sent behind it is abandoned: its answer is never taken (it does not say what became of
// the failed one's mutations), and what it applied comes back as duplicates with their outcomes when the outbox
// is sent again. Returns once the last answer is in: `troubled`, how many were answered other than plainly
// applied, and `recorded`, the writing of the answers, which the pull's first request overlaps.
async function push() {
  let troubled = 0;
  let recorded = Promise.resolve();
  let current;
  let behind;
  let packedNext;
  const sendFromOutbox = async () => {
    current = send(await readAndPack(db.unackedMutations(PUSH_BATCH)));
    behind = sendWhenPacked(packAfter(Promise.resolve(current)));
    packedNext = packAfter(behind);
  };
  await sendFromOutbox();
  while (current) {
    let answer;
    try {
      answer = await current.answering;
    } catch (error) {
      await settled(behind);
      await recorded;
      if (error instanceof ApiError && error.code === 'mutation_gap') {
        await db.rewind(error.fields.expected);
        await sendFromOutbox();
        continue;
      }
      throw error;
    }
    troubled += answer.results.filter((r) => (r.outcome?.status ?? r.status) !== 'applied').length;
    const sent = current.mutations;
    recorded = recorded.then(() => db.acknowledge(answer.last_mutation_id, answer.results, sent))
      .then(() => db.setMeta('database_id', answer.database_id));
    recorded.catch(() => {}); // a failure surfaces where `recorded` is awaited, not as an unhandled rejection
    if (answer.last_mutation_id >= current.last) {
      current = await behind;
      behind = sendWhenPacked(packedNext);
      packedNext = packAfter(behind);
    } else {
      // The server holds less than it was sent (restored from a backup): the push behind cannot apply either.
      await settled(behind);
      await recorded;
      await sendFromOutbox();
    }
  }
  return { troubled, recorded };
}

// A push on its way: its mutations, the last id among them, and the server's answer to come (null: nothing to send).
function send([mutations, packed]) {
  if (!mutations.length) return null;
  const answering = request('POST', '/api/v1/sync/push', packed).then((response) => response.json());
  answering.catch(() => {}); // awaited in turn, or abandoned with the push before it
  return { mutations, last: mutations.at(-1).id, answering };
}

// The batch after a push (a promise of one, or of null), read and packed but not sent.
function packAfter(sending) {
  const packing = sending.then((push) => (push ? readAndPack(db.mutationsAfter(push.last, PUSH_BATCH)) : [[], null]));
  packing.catch(() => {}); // awaited in turn, or dropped with a failed push
  return packing;
}

function sendWhenPacked(packing) {
  const sending = packing.then(send);
  sending.catch(() => {}); // awaited in turn, or abandoned
  return sending;
}

// An abandoned push, once it has ended whichever way: nothing is sent again while it may still be applying.
async function settled(sending) {
  const abandoned = await sending?.catch(() => null);
  await abandoned?.answering.catch(() => {});
}

// A batch read from the outbox, with its request body ready to send.
async function readAndPack(reading) {
  const mutations = await reading;
  return [mutations, mutations.length ? await pushRequest(await pushBody(mutations)) : null];
}

async function pushBody(mutations) {
  return { client_id: await clientId(), ...PROTOCOL, mutations: mutations.map((m) => ({
    id: m.id, entity: m.entity, op: m.op, record_id: m.record_id, fields: m.fields, base_version: m.base_version,
  })) };
}

// A push body gzipped where the browser has CompressionStream (PROTOCOL.md 2.9): a fifth of the bytes on the
// wire. Browsers without it send it plain.
async function pushRequest(body) {
  if (typeof CompressionStream === 'undefined') return { json: body };
  const packed = new Blob([JSON.stringify(body)]).stream().pipeThrough(new CompressionStream('gzip'));
  return { body: await new Response(packed).arrayBuffer(),
           headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } };
}

// Pulls until caught up; `rewound`: the server lacked acknowledged mutations, `changed`: it sent changes.
// `recorded`: the push's answers being written, awaited before anything pulled is (an answer gives a record's
// version, the database id and how far the server acknowledged, which the pulled changes are weighed against);
// `query`: the first request's, read before the push (PROTOCOL.md 3.8).
async function pull({ recorded = Promise.resolve(), query = null } = {}) {
  let rewound = false;
  let changed = false;
  for (;;) {
    const answering = getJson(`/api/v1/sync/pull?${query ?? await pullQuery()}`);
    query = null;
    answering.catch(() => {}); // a failure surfaces below, once the push's answers are written
    await recorded;
    const answer = await answering;
    const knownDatabase = await db.getMeta('database_id');
    const restored = knownDatabase && knownDatabase !== answer.database_id;
    await db.setMeta('database_id', answer.database_id);
    if (answer.reset || restored) {
      await db.applyPull([], null, { reset: true }); // rebuild the replica; the outbox is never touched
      continue;
    }
    await db.applyPull(answer.changes, answer.cursor, { caughtUp: !answer.has_more });
    changed ||= answer.changes.length > 0;
    if (answer.last_mutation_id < (await db.lastAcked())) {
      await db.rewind(answer.last_mutation_id + 1); // the server lost acknowledged changes: send them again
      rewound = true;
    }
    if (!answer.has_more) return { rewound, changed };
  }
}

// The next pull request's query, from where the last page left off.
async function pullQuery() {
  const cursor = await db.getMeta('cursor');
  const query = new URLSearchParams({ client_id: await clientId(), limit: '500' });
  if (cursor) query.set('cursor', cursor);
  // The phone keeps what the server acknowledged, so its own writes need not come back; unless it is
  // rebuilding its replica from nothing (PROTOCOL.md 3.7).
  if (!(await db.getMeta('rebuilding'))) query.set('skip_echoes', 'true');
  return query;
}

async function uploadPhotos() {
  for (const photo of await db.waitingPhotos()) {
    const path = `/api/v1/photos/${photo.sha256}`;
    let offset = 0;
    try {
      const head = await request('HEAD', path);
      offset = Number(head.headers.get('Upload-Offset'));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    const bytes = new Uint8Array(photo.data);
    try {
      while (offset < bytes.length) {
        try {
          const response = await request('PATCH', path, {
            body: bytes.slice(offset, offset + CHUNK),
            headers: { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset),
                       'Upload-Length': String(bytes.length) },
          });
          offset = Number(response.headers.get('Upload-Offset'));
        } catch (error) {
          if (error instanceof ApiError && error.code === 'offset_mismatch') {
            offset = Number(error.headers.get('Upload-Offset'));
            continue;
          }
          throw error;
        }
      }
      await db.setPhotoState(photo.sha256, 'uploaded');
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        continue; // too much in flight for now (PROTOCOL 7): the photo waits for the next pass
      } else if (error instanceof ApiError && error.status !== 401 && error.status !== 403) {
        await db.setPhotoState(photo.sha256, 'refused', `${error.code}: ${error.message}`);
      } else {
        throw error;
      }
    }
  }
}

// Rejections and open conflicts come from the server after every pass (PROTOCOL.md 2.10): one lost
// answer must not hide a refusal, and a conflict resolved elsewhere is forgotten here.
async function refreshIssues() {
  const [refused, open] = await Promise.all([
    getJson(`/api/v1/sync/rejections?client_id=${encodeURIComponent(await clientId())}`),
    getJson('/api/v1/sync/conflicts'),
  ]);
  await db.replaceRejections(refused);
  await db.replaceConflicts(open);
}

export function startSyncTriggers() {
  window.addEventListener('online', () => syncNow());
  window.addEventListener('offline', () => publish({}));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow();
    else pushBeforeHidden();
  });
  setInterval(() => {
    if (navigator.onLine) syncNow();
  }, TIMER_MS);
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'sync-requested') syncNow();
  });
  syncNow();
}

// A hidden app may be frozen or closed at any moment (the phone locks, the inspector switches apps): what
// waits goes now, while the browser still lets the page run. Nothing waiting, nothing sent.
async function pushBeforeHidden() {
  clearTimeout(changeTimer);
  changeTimer = null;
  if (!navigator.onLine) return;
  const waiting = await db.pendingCounts();
  if (waiting.mutations || waiting.photos) syncNow();
}

let changeTimer = null;

// Called after every local change. Where the browser has Background Sync, the service worker wakes the
// page when the network allows (at once when online). Where it has not (Safari), or refuses it, a pass
// starts CHANGE_DEBOUNCE_MS after the last change while online; offline, the 'online' trigger covers it.
export async function requestBackgroundSync() {
  let registered = false;
  try {
    // getRegistration, not ready: ready never settles where no worker was registered.
    const registration = await navigator.serviceWorker?.getRegistration();
    if (registration?.active && registration.sync) {
      await registration.sync.register('seamline-outbox');
      registered = true;
    }
  } catch {
    // not allowed (e.g. a private window): the debounced push below covers it
  }
  if (!registered && navigator.onLine) {
    clearTimeout(changeTimer);
    changeTimer = setTimeout(() => {
      changeTimer = null;
      syncNow();
    }, CHANGE_DEBOUNCE_MS);
  }
  publish({});
}
