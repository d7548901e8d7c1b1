// Start-up: storage, session, service worker, sync, and a small hash router.
import { setCsrfToken } from './api.js';
import { getMeta, openDatabase } from './db.js';
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { showInspection } from './screens/inspection.js';
import { showInspections } from './screens/inspections.js';
import { showLogin } from './screens/login.js';
import { currentUser, refreshSession } from './session.js';
import { showStatus } from './status.js';
import { onStatus, requestBackgroundSync, startSyncTriggers, syncNow } from './sync.js';

const main = document.getElementById('app');
let updateRequested = false;

async function route() {
  const user = await currentUser();
  if (!user) return showLogin(main, { onLoggedIn: start });
  const [screen, id] = location.hash.replace(/^#\/?/, '').split('/');
  if (screen === 'inspection' && id) return showInspection(main, id, { user, onChange: requestBackgroundSync });
  return showInspections(main, { user });
}

async function start() {
  // New data from the server refreshes the list; a screen being filled in is left alone.
  let wasRunning = false;
  onStatus((s) => {
    if (wasRunning && !s.running && !s.error && !location.hash.startsWith('#/inspection/')) route();
    wasRunning = s.running;
  });
  startSyncTriggers();
  await route();
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const offerUpdate = (worker) => {
    const banner = document.getElementById('update-banner');
    mount(banner, t('update.available'), ' ', h('button', { type: 'button', onclick: async () => {
      // Never in the middle of an inspection: the update waits until the inspector is on the list.
      if (location.hash.startsWith('#/inspection/')) {
        mount(banner, t('update.later'));
        return;
      }
      updateRequested = true;
      worker.postMessage('skip-waiting');
    } }, t('update.apply')));
    banner.hidden = false;
  };
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
    });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first install also changes controller (clients.claim): reload only for an update the inspector chose.
    // Nothing unsynced is lost either way: it is all in IndexedDB.
    if (updateRequested) {
      updateRequested = false;
      location.reload();
    }
  });
}

async function boot() {
  await openDatabase();
  if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});
  showStatus(document.getElementById('status'));
  window.addEventListener('hashchange', route);
  registerServiceWorker().catch(() => {});
  if (await currentUser()) {
    if (navigator.onLine) await refreshSession().catch(() => false);
    await start();
  } else {
    await route();
  }
  document.documentElement.dataset.ready = 'true';
}

boot();
export { syncNow, getMeta, setCsrfToken };
