// An optional PIN in front of the offline app: the phone keeps the last user's session, so a
// shared or lost phone should not open straight into their inspections. The PIN is kept only as
// a salted PBKDF2 hash; five wrong tries end the local session (the data stays, unsynced work
// included, and syncs after the next online log-in).
import { getMeta, setMeta } from './db.js';

const ITERATIONS = 150_000;
export const MAX_TRIES = 5;

export function validPin(pin) {
  return /^\d{4,8}$/.test(pin);
}

async function derive(pin, salt) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: ITERATIONS }, key, 256);
  return [...new Uint8Array(bits)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function hasPin() {
  return Boolean(await getMeta('pin'));
}

export async function setPin(pin) {
  if (!validPin(pin)) throw new Error('invalid pin');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  await setMeta('pin', { salt: [...salt], hash: await derive(pin, salt), tries: 0 });
}

export async function clearPin() {
  await setMeta('pin', null);
}

// true: unlocked; false: wrong; 'locked-out': too many wrong tries, log in online again.
export async function checkPin(pin) {
  const stored = await getMeta('pin');
  if (!stored) return true;
  if ((await derive(pin, new Uint8Array(stored.salt))) === stored.hash) {
    await setMeta('pin', { ...stored, tries: 0 });
    return true;
  }
  const tries = stored.tries + 1;
  await setMeta('pin', { ...stored, tries });
  if (tries >= MAX_TRIES) {
    await setMeta('user', null);
    return 'locked-out';
  }
  return false;
}
