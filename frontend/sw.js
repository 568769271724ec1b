// The helpdesk's service worker: shows a web push (JSON {title, body, url, tag} from the notify
// function) and opens the ticket when the notification is clicked. Served at the site's root
// under a fixed name (its URL is its identity), never cached for good.

self.addEventListener('push', (event) => {
  let message = { title: 'Helpdesk', body: '', url: '/', tag: undefined };
  let parsed;
  try {
    parsed = event.data ? event.data.json() : null;
  } catch {
    parsed = null;
  }
  if (parsed && typeof parsed === 'object') {
    message = { ...message, ...parsed };
  } else if (event.data) {
    // Not our JSON (a test push from DevTools, say): its text is the body.
    message.body = event.data.text();
  }
  event.waitUntil(
    self.registration.showNotification(String(message.title), { body: String(message.body ?? ''), tag: message.tag, data: { url: message.url } }),
  );
});

/** The helpdesk page a notification links to: only this site's own pages (another origin's
 *  address keeps just its path, here). */
function ownPage(url) {
  const target = new URL(url ?? '/', self.location.origin);
  return target.origin === self.location.origin ? target.href : new URL(target.pathname + target.search, self.location.origin).href;
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = ownPage(event.notification.data?.url);
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => w.url === url);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
