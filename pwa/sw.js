// Seamline service worker: precaches the app shell under a versioned cache,
// removes old caches on activate, never answers API requests from a cache, and
// asks the page to sync when Background Sync fires.
const VERSION = '__SHELL_VERSION__';
const CACHE = `seamline-shell-${VERSION}`;
// Filled in by the server from the files under pwa/ (server/pwa_routes.py), so nothing is forgotten.
const SHELL = ["__SHELL_URLS__"];

self.addEventListener('install', (event) => {
  // Waits until the page says so: an update never reloads in the middle of an inspection.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('seamline-shell-') && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== 'GET') return;
  if (url.pathname.startsWith('/api/')) return; // API data always comes from the network
  if (event.request.mode === 'navigate') {
    event.respondWith(caches.match('/index.html', { cacheName: CACHE }).then((hit) => hit || fetch(event.request)));
    return;
  }
  event.respondWith(caches.match(event.request, { cacheName: CACHE }).then((hit) => hit || fetch(event.request)));
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'seamline-outbox') return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: 'window' });
    for (const page of pages) page.postMessage({ type: 'sync-requested' });
  })());
});
