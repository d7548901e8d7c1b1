// Conflicts: after each successful sync the phone asks the server for the open conflicts it may
// resolve, so they show on the records offline too; resolving needs the network.
import { getJson, postJson } from './api.js';
import { replaceConflicts } from './db.js';
import { onStatus } from './sync.js';

export function followConflicts() {
  let wasRunning = false;
  onStatus((s) => {
    if (wasRunning && !s.running && !s.error) refreshConflicts().catch(() => {});
    wasRunning = s.running;
  });
}

export async function refreshConflicts() {
  await replaceConflicts(await getJson('/api/v1/sync/conflicts'));
}

// choice: "stored" (keep the server's value), "incoming" (take the phone's), or "value" with a value.
export async function resolveConflict(id, choice, value) {
  await postJson(`/api/v1/sync/conflicts/${id}/resolve`, choice === 'value' ? { choice, value } : { choice });
  await refreshConflicts();
}
