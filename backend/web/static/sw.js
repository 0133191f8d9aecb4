/**
 * Service worker of the patient app (scope "/"). `SHELL` ({version, files}) is prepended by the
 * server: the app shell is cached under a name that changes with its content, and served cache
 * first; API calls are never cached (the outbox handles offline writes). It also shows push
 * messages `{kind, id, title, body, url, due_at}` and opens their `url` when tapped.
 */
/* global SHELL */
const CACHE = `shell-${SHELL.version}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      // 'no-cache': revalidate each file with the server (a 304 for what the page has just
      // loaded), never take it unchecked from the HTTP cache, never download it twice.
      .then((cache) => cache.addAll(SHELL.files.map((url) => new Request(url, { cache: 'no-cache' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith('shell-') && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Navigations inside the app (any fragment) are the shell's "/"; the dashboard is not cached.
  const key = event.request.mode === 'navigate' && url.pathname === '/' ? '/' : url.pathname;
  if (!SHELL.files.includes(key)) return;
  event.respondWith(caches.match(key, { cacheName: CACHE }).then((cached) => cached || fetch(event.request)));
});

/**
 * Tell the server a notification was shown or clicked: the message's kind and id and this
 * browser's subscription (endpoint and auth secret prove the notification was sent here). No
 * health data; the server keeps the first report of each, so repeats are harmless.
 */
function receipt(kind, id, event) {
  if (!kind || id === undefined) return Promise.resolve();
  return self.registration.pushManager.getSubscription().then((subscription) => {
    if (!subscription) return null;
    const { endpoint, keys } = subscription.toJSON();
    return fetch('/api/v1/push/receipts', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ endpoint, auth: keys.auth, kind, id: String(id), event }),
    });
  }).catch(() => null);
}

self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data.text() };
  }
  event.waitUntil(self.registration.showNotification(message.title || 'Dosing Diary', {
    body: message.body || '',
    // One notification per message: a re-sent message (same kind and id) replaces, never adds.
    tag: `${message.kind}:${message.id}`,
    renotify: false,
    icon: '/app/icons/icon-192.png',
    badge: '/app/icons/icon-192.png',
    data: { url: message.url || '/#today', kind: message.kind, id: message.id, due_at: message.due_at },
    timestamp: message.due_at ? Date.parse(message.due_at) : undefined,
  }).then(() => receipt(message.kind, message.id, 'shown')));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { kind, id } = event.notification.data || {};
  event.waitUntil(receipt(kind, id, 'clicked'));
  const target = new URL(event.notification.data?.url || '/#today', self.location.origin).href;
  const path = new URL(target).pathname;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).pathname === path);
      if (!open) return self.clients.openWindow(target);
      // Only a window this worker controls can be navigated; for the others focusing is enough.
      return open.focus().then((client) => (client.url === target ? client : client.navigate(target))).catch(() => null);
    }),
  );
});
