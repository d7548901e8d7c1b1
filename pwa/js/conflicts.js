// Conflicts: every sync pass refreshes the open conflicts the phone may resolve (sync.js), so they
// show on the records offline too; resolving needs the network.
import { getJson, postJson } from './api.js';
import { replaceConflicts } from './db.js';

export async function refreshConflicts() {
  await replaceConflicts(await getJson('/api/v1/sync/conflicts'));
}

// choice: "stored" (keep the server's value), "incoming" (take the phone's), or "value" with a value.
export async function resolveConflict(id, choice, value) {
  await postJson(`/api/v1/sync/conflicts/${id}/resolve`, choice === 'value' ? { choice, value } : { choice });
  await refreshConflicts();
}
