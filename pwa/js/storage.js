// Space on the phone: warn before the browser runs out (or evicts), and free space by removing
// photos the server already holds. Photos still waiting are never removed.
export const LOW_FRACTION = 0.8;
export const LOW_BYTES = 100 * 1024 * 1024;

export async function storageState() {
  if (!navigator.storage?.estimate) return null;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  const low = quota > 0 && (usage / quota > LOW_FRACTION || quota - usage < LOW_BYTES);
  return { usage, quota, persisted, low };
}

// A number (one decimal), so the message formats it in the phone's locale.
export function megabytes(bytes) {
  return Math.round(bytes / (1024 * 1024) * 10) / 10;
}
