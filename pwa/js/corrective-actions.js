// Corrective actions (CAPA): an inspection's one action, named by a UUIDv5 of the inspection's id, so the
// action this phone opens offline and the one the server opens at finalize are the same record (the sync
// protocol merges the two writes). Which status may follow which, and for whom, comes from the server's
// vocabulary (corrective_action_transitions); nothing here keeps its own list.
import { upsertChange } from './db.js';
import { words } from './vocabulary.js';

// The server's namespace (server/models/corrective_actions.py); tests/browser/test_corrective_actions.py
// checks that both sides derive the same ids.
const NAMESPACE = '6f1c3a52-9e0b-5d47-8a6e-2b4f7c9d1e30';

function uuidBytes(text) {
  const hex = text.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

// RFC 4122 version 5: SHA-1 of the namespace's bytes and the name's UTF-8, 16 bytes of it, version and variant set.
export async function uuidV5(namespace, name) {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(uuidBytes(namespace));
  input.set(nameBytes, 16);
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-1', input)).slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function correctiveActionId(inspectionId) {
  return uuidV5(NAMESPACE, String(inspectionId).toLowerCase());
}

// The change that opens an inspection's action: only its inspection, so it merges with the server's own
// without a conflict (the server fills in the problem and the due date; until then it is open).
export async function openActionChange(inspectionId) {
  return upsertChange('corrective_action', { inspection_id: inspectionId }, await correctiveActionId(inspectionId));
}

export function statusOf(action) {
  return action.status || 'open';
}

function localToday() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

// Past its due date and not closed: computed every time (the server never stores it).
export function isOverdue(action, today = localToday()) {
  return Boolean(action.due_date) && action.due_date < today && statusOf(action) !== 'closed';
}

// The statuses a user of this role may move the action to from where it is, in the served order.
export function movesFor(role, action) {
  return words('corrective_action_transitions')
    .filter(([from, , roles]) => from === statusOf(action) && roles.includes(role))
    .map(([, to]) => to);
}
