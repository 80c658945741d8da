// Offline after the first visit: the build's files (listed with their version by
// scripts/sw-manifest.mjs in sw-manifest.js) are cached together on install and served from that
// cache; a new build has a new version, so its worker caches the new set and deletes the old.
importScripts('sw-manifest.js');
const { version, files, onDemand = [] } = self.BUILD;
const CACHE = `saliency-${version}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(files)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('saliency-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  // The build's own files come from its cache (one consistent set of HTML, JS and WASM); anything
  // else (a link's fragment never reaches here) goes to the network.
  const path = new URL(req.url).pathname;
  const later = onDemand.some((f) => path.endsWith(`/${f}`));
  event.respondWith(caches.match(req, { cacheName: CACHE, ignoreSearch: true }).then((hit) => hit ?? fetch(req).then((res) => {
    // The importer (and the example model) join this build's cache the first time they are used.
    if (later && res.ok) {
      const copy = res.clone();
      caches.open(CACHE).then((c) => c.put(req, copy));
    }
    return res;
  })));
});
