// The outbox and the sync loop: push mutations in order, upload photos one by
// one (resumably), pull until the server has nothing more. One loop per origin
// (a Web Lock), triggered at start, when the network returns, when the app
// becomes visible, on a timer, and by Background Sync where the browser has it.
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
    await push();
    await uploadPhotos();
    if (await pull()) {
      await push();
      await pull();
    }
    await refreshIssues();
    await refreshVocabulary();
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

async function push() {
  for (;;) {
    const mutations = await db.unackedMutations(PUSH_BATCH);
    if (!mutations.length) return;
    const body = { client_id: await clientId(), ...PROTOCOL, mutations: mutations.map((m) => ({
      id: m.id, entity: m.entity, op: m.op, record_id: m.record_id, fields: m.fields, base_version: m.base_version,
    })) };
    let answer;
    try {
      answer = await (await request('POST', '/api/v1/sync/push', await pushRequest(body))).json();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'mutation_gap') {
        await db.rewind(error.fields.expected);
        continue;
      }
      throw error;
    }
    await db.acknowledge(answer.last_mutation_id, answer.results);
    await db.setMeta('database_id', answer.database_id);
  }
}

// A push body gzipped where the browser has CompressionStream (PROTOCOL.md 2.9): a fifth of the bytes on the
// wire. Browsers without it send it plain.
async function pushRequest(body) {
  if (typeof CompressionStream === 'undefined') return { json: body };
  const packed = new Blob([JSON.stringify(body)]).stream().pipeThrough(new CompressionStream('gzip'));
  return { body: await new Response(packed).arrayBuffer(),
           headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } };
}

async function pull() {
  let rewound = false;
  for (;;) {
    const cursor = await db.getMeta('cursor');
    const query = new URLSearchParams({ client_id: await clientId(), limit: '500' });
    if (cursor) query.set('cursor', cursor);
    const answer = await getJson(`/api/v1/sync/pull?${query}`);
    const knownDatabase = await db.getMeta('database_id');
    const restored = knownDatabase && knownDatabase !== answer.database_id;
    await db.setMeta('database_id', answer.database_id);
    if (answer.reset || restored) {
      await db.applyPull([], null, true); // rebuild the replica; the outbox is never touched
      continue;
    }
    await db.applyPull(answer.changes, answer.cursor, false, answer.has_more ? null : answer.last_mutation_id);
    if (answer.last_mutation_id < (await db.lastAcked())) {
      await db.rewind(answer.last_mutation_id + 1); // the server lost acknowledged changes: send them again
      rewound = true;
    }
    if (!answer.has_more) return rewound;
  }
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
  });
  setInterval(() => {
    if (navigator.onLine) syncNow();
  }, TIMER_MS);
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'sync-requested') syncNow();
  });
  syncNow();
}

// Ask the browser to wake us when the network is back (Chromium has Background Sync; Safari does not,
// and the triggers above are enough there).
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register('seamline-outbox');
  } catch {
    // not supported or not allowed: the online/visibility/timer triggers cover it
  }
  publish({});
}
