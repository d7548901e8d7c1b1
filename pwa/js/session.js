// Who is using the app: login online once, then the app opens offline for the last user.
import { ApiError, getJson, postJson, setCsrfToken } from './api.js';
import { getMeta, pendingCounts, setMeta } from './db.js';

export async function currentUser() {
  return getMeta('user');
}

export async function clientId() {
  let id = await getMeta('client_id');
  if (!id) {
    id = 'web-' + crypto.randomUUID().replaceAll('-', '');
    await setMeta('client_id', id);
  }
  return id;
}

export async function login(email, password) {
  const me = await postJson('/api/v1/auth/login', { email, password });
  setCsrfToken(me.csrf_token);
  const known = await getMeta('user');
  if (known && known.id !== me.user.id && (await pendingCounts()).mutations > 0) {
    // Another person's unsynced work stays on the phone; it syncs when they log in again.
    await setMeta('user', known);
  }
  await setMeta('user', { ...me.user, factories: me.factories });
  return me;
}

// Called at start and when the network returns: refresh the CSRF token of a live session.
export async function refreshSession() {
  try {
    const me = await getJson('/api/v1/auth/me');
    setCsrfToken(me.csrf_token);
    await setMeta('user', { ...me.user, factories: me.factories });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

export async function logout() {
  try {
    await postJson('/api/v1/auth/logout', {});
  } catch {
    // offline: the server session expires on its own; nothing local is lost
  }
  await setMeta('user', null);
}
