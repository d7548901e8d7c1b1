// Start-up: storage, session, service worker, sync, and a small hash router.
import { setCsrfToken } from './api.js';
import { getMeta, onConnectionState, openDatabase } from './db.js';
import { h, mount } from './dom.js';
import { draw } from './draw.js';
import { onLocaleChange, t } from './i18n.js';
import { loadLanguage } from './language.js';
import { hasPin } from './pin.js';
import { showCorrectiveAction, showCorrectiveActions } from './screens/corrective-actions.js';
import { showInspection } from './screens/inspection.js';
import { showBooking } from './screens/booking.js';
import { showInspections } from './screens/inspections.js';
import { showSyncScreen } from './screens/issues.js';
import { showLogin } from './screens/login.js';
import { showMilestoneOrder, showMilestones } from './screens/milestones.js';
import { showPinLock } from './screens/pin.js';
import { currentUser, refreshSession } from './session.js';
import { showStatus } from './status.js';
import { onStatus, requestBackgroundSync, startSyncTriggers, syncNow } from './sync.js';
import { loadVocabulary, may, refreshVocabulary } from './vocabulary.js';

const main = document.getElementById('app');
let updateRequested = false;
const DEFERRED_UPDATE_DELAY_MS = 1000;
let locked = false;
// Screens that only list things: new data from the server may redraw them; a form being filled in is left alone.
const LIST_SCREENS = ['', '#', '#/', '#/inspections', '#/milestones', '#/actions'];
// Where each role lands: managers on their figures, designers on their review queue (the defect figures one tap
// away), field staff on their inspections.
const HOME = { manager: 'dashboard', admin: 'dashboard', designer: 'reviews' };
const FIGURE_SCREENS = ['dashboard', 'factory', 'figures', 'defects', 'reviews', 'review', 'style-history'];
// The managers' purchase orders and a production order's timeline: wide on a laptop like the figures.
const WIDE_SCREENS = [...FIGURE_SCREENS, 'orders', 'production-order'];

// Every way to the screen (a hash change, a finished sync, a language change) draws through draw().
function route() {
  return draw(drawRoute);
}

async function drawRoute() {
  const user = await currentUser();
  showNavigation(Boolean(user) && !locked, user);
  if (!user) return showLogin(main, { onLoggedIn: start });
  if (locked) return undefined;
  const [asked, id, section] = location.hash.replace(/^#\/?/, '').split('?')[0].split('/');
  let screen = asked;
  if (!screen && HOME[user.role]) {
    screen = HOME[user.role];
    history.replaceState(null, '', `#/${screen}`);
  }
  main.classList.toggle('wide', WIDE_SCREENS.includes(screen));
  // The figures' screens (and their chart library) load only for those who open them.
  if (screen === 'dashboard') return (await import('./screens/dashboard.js')).showDashboard(main, { user });
  if (screen === 'factory' && id) return (await import('./screens/scorecard.js')).showScorecard(main, id);
  if (screen === 'figures' && id === 'inspections') return (await import('./screens/figure-inspections.js')).showFigureInspections(main);
  if (screen === 'defects') return (await import('./screens/defect-figures.js')).showDefectFigures(main, { user });
  if (screen === 'orders' && id === 'at-risk') return (await import('./screens/orders-at-risk.js')).showOrdersAtRisk(main);
  if (screen === 'orders' && id === 'import') return (await import('./screens/order-import.js')).showOrderImport(main);
  if (screen === 'orders' && id) return (await import('./screens/purchase-order.js')).showPurchaseOrder(main, id);
  if (screen === 'orders') return (await import('./screens/purchase-orders.js')).showPurchaseOrders(main);
  if (screen === 'production-order' && id) return (await import('./screens/production-order.js')).showProductionOrder(main, id, { user });
  // Design review: the queue, one review (or a new one: #/review/new?...), a style's history per tech pack.
  if (screen === 'reviews') return (await import('./screens/review-queue.js')).showReviewQueue(main, { user });
  if (screen === 'review' && id) return (await import('./screens/review-form.js')).showReviewForm(main, id, { user });
  if (screen === 'style-history' && id) return (await import('./screens/style-history.js')).showStyleHistory(main, id);
  if (screen === 'report' && id) return (await import('./screens/report.js')).showReport(main, id, { user });
  const onChange = requestBackgroundSync;
  if (screen === 'inspection' && id) return showInspection(main, id, section, { user, onChange });
  if (screen === 'milestones' && id) return showMilestoneOrder(main, id, { onChange });
  if (screen === 'milestones') return showMilestones(main, { user });
  if (screen === 'actions' && id) return showCorrectiveAction(main, id, { user, onChange });
  if (screen === 'actions') return showCorrectiveActions(main);
  if (screen === 'sync') return showSyncScreen(main);
  if (screen === 'book' && may(user.role, 'inspection', 'book')) return showBooking(main);
  return showInspections(main, { user });
}

function showNavigation(visible, user = null) {
  const nav = document.getElementById('app-nav');
  const figures = { manager: [['#/dashboard', 'nav.dashboard'], ['#/reviews', 'nav.reviews'], ['#/orders', 'nav.orders']],
    admin: [['#/dashboard', 'nav.dashboard'], ['#/reviews', 'nav.reviews'], ['#/orders', 'nav.orders']],
    designer: [['#/reviews', 'nav.reviews'], ['#/defects', 'nav.defects']] }[user?.role] || [];
  // Corrective actions for those who may read them (the served permissions say who).
  const actions = may(user?.role, 'corrective_action', 'read') ? [['#/actions', 'nav.actions']] : [];
  mount(nav, ...[...figures, [figures.length ? '#/inspections' : '#/', 'nav.inspections'], ['#/milestones', 'nav.milestones'], ...actions, ['#/sync', 'nav.sync']]
    .map(([href, key]) => h('a', { href, 'data-testid': `nav-${key.slice(4)}` }, t(key))));
  nav.hidden = !visible;
}

async function start() {
  // Right after the first login the words and limits are not on the phone yet: fetch them before any screen.
  if (!(await loadVocabulary())) await refreshVocabulary().catch(() => {});
  let wasRunning = false;
  let firstPassDone = false;
  onStatus((s) => {
    const finished = wasRunning && !s.running && !s.error;
    // The figures name factories and styles from the phone's records: right after the first login those arrive
    // with the first sync, so a figures screen drawn before it is drawn again once (not after every sync; never
    // a review's form, which may be half written).
    const screen = location.hash.split(/[/?]/)[1];
    const figures = !firstPassDone && screen !== 'review' && FIGURE_SCREENS.includes(screen);
    if (finished && (LIST_SCREENS.includes(location.hash.split('?')[0]) || figures)) route();
    if (finished) firstPassDone = true;
    wasRunning = s.running;
  });
  startSyncTriggers();
  await route();
}

// The phone opens offline for the last user; where they set a PIN, only after it.
async function unlockThenStart() {
  locked = true;
  showNavigation(false);
  draw(() => showPinLock(main, {
    onUnlocked: async () => {
      locked = false;
      await start();
    },
    onLockedOut: async () => {
      locked = false;
      await route();
    },
  }));
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  const inInspection = () => location.hash.startsWith('#/inspection/');
  const applyUpdate = (worker) => {
    updateRequested = true;
    worker.postMessage('skip-waiting');
  };
  // The banner promises "it installs when you are not in an inspection": keep that promise once the inspector
  // is back on the list (before, nothing ever applied a deferred update, and the banner had lost its button).
  // Not at the moment of the hash change, though: Chromium then fetches the page's icon through the service
  // worker, and a fetch the old worker answers while the new one is told to skip waiting can park the new one
  // in "waiting" for minutes (seen in tests/browser/test_sync_robustness.py). A second on the list is enough.
  let deferred = null;
  let deferredTimer = null;
  window.addEventListener('hashchange', () => {
    clearTimeout(deferredTimer);
    if (deferred && !inInspection()) deferredTimer = setTimeout(() => applyUpdate(deferred), DEFERRED_UPDATE_DELAY_MS);
  });
  const offerUpdate = (worker) => {
    const banner = document.getElementById('update-banner');
    mount(banner, t('update.available'), ' ', h('button', { type: 'button', onclick: async () => {
      // Never in the middle of an inspection: the update waits until the inspector is on the list.
      if (inInspection()) {
        deferred = worker;
        mount(banner, t('update.later'));
        return;
      }
      applyUpdate(worker);
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
  // Browsers look for a new version only on page loads, and an app left open all day has none: look
  // again whenever it comes back to the front while online (a failed check costs nothing).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && navigator.onLine) registration.update().catch(() => {});
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

// Another tab can hold the phone's database: an older one blocking this version's upgrade (the app waits until
// it is closed), or a newer one that took it over (this page must reload). Say which, above the screen.
function watchDatabase() {
  const banner = h('div', { class: 'banner', role: 'alert', 'data-testid': 'database-banner' });
  banner.hidden = true;
  document.getElementById('update-banner').after(banner);
  onConnectionState((state) => {
    if (state === 'blocked') mount(banner, t('db.blocked'));
    if (state === 'outdated') {
      mount(banner, t('db.outdated'), ' ', h('button', { type: 'button', onclick: () => location.reload() }, t('db.reload')));
    }
    banner.hidden = !state;
  });
}

async function boot() {
  watchDatabase();
  await openDatabase();
  await loadLanguage();
  // A language chosen on the sync screen redraws the navigation and the screen at once.
  onLocaleChange(() => route());
  await loadVocabulary();
  if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});
  showStatus(document.getElementById('status'));
  window.addEventListener('hashchange', route);
  registerServiceWorker().catch(() => {});
  if (await currentUser()) {
    if (navigator.onLine) await refreshSession().catch(() => false);
    if (await hasPin()) await unlockThenStart();
    else await start();
  } else {
    await route();
  }
  document.documentElement.dataset.ready = 'true';
}

boot();
export { syncNow, getMeta, setCsrfToken };
