// Where notifications reach people beyond mail and SMS, in the UI: linking Telegram with a one-time
// link (the runner's fake Bot API plays Telegram), the contacts list and its Remove buttons, the
// service worker showing a push (delivered through the DevTools protocol: this machine cannot
// reach the browser vendors' push services) and opening the ticket on a click, and the signed-in
// apps whose tokens the profile revokes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, launch, newPage, signInOn, signInEnglish, chooseLanguage, shot, api } from './support.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A signed-in page in its own context, in English; `timezoneId`: the browser's time zone. */
const signIn = (username, timezoneId) => signInEnglish(browser, username, timezoneId);

async function openSettings(page) {
  await page.getByRole('navigation').getByRole('link', { name: 'Notifications' }).click();
  await page.getByRole('heading', { name: 'Where to reach me' }).waitFor();
}

const post = (page, path, body) => page.request.post(BASE + path, { data: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });

test('a requester links Telegram with a one-time link, sees the chat listed and removes it', async () => {
  const page = await signIn('maria.garcia');
  await openSettings(page);
  for (const channel of ['Telegram', 'Browser notifications', 'Mobile app']) {
    assert.equal(await page.getByRole('columnheader', { name: channel }).count(), 1, `${channel} is offered`);
  }
  await page.getByText('No Telegram chat, browser or phone is linked yet.').waitFor();
  await page.getByRole('button', { name: 'Link Telegram' }).click();
  const link = page.getByRole('link', { name: /^https:\/\/t\.me\/helpdesk_local_bot\?start=/ });
  await link.waitFor();
  const token = new URL(await link.getAttribute('href')).searchParams.get('start');
  assert.equal(await link.getAttribute('target'), '_blank');
  // Telegram: the person presses Start in a private chat.
  const started = await post(page, '/_fake/telegram/_control/start', { chat_id: 990001, token });
  assert.equal(started.status(), 204);
  // The runner long-polls the fake; the chat shows once linked.
  const linked = await page.evaluate(async () => {
    for (let i = 0; i < 100; i += 1) {
      const r = await fetch('/api/auth/me/notifications');
      if ((await r.json()).contacts.some((c) => c.channel === 'telegram')) return true;
      await new Promise((done) => setTimeout(done, 100));
    }
    return false;
  });
  assert.ok(linked, 'the chat is linked within 10 s');
  await page.getByRole('button', { name: 'I pressed Start: show my chats' }).click();
  await page.getByRole('button', { name: 'Remove @anna_p' }).waitFor();
  const replies = await (await page.request.get(BASE + '/_fake/telegram/_control/messages')).json();
  assert.ok(replies.messages.some((m) => m.chat_id === 990001 && m.text.startsWith('Linked')), 'the bot says so in the chat');
  // Choosing Telegram with nothing linked says so; with a chat linked it does not.
  assert.equal(await page.getByText('Telegram is chosen above').count(), 0);
  await shot(page, 'channels-linked');
  await page.getByRole('button', { name: 'Remove @anna_p' }).click();
  await page.getByText('No Telegram chat, browser or phone is linked yet.').waitFor();
  await page.locator('.reach-status[role=status]').getByText('Removed.').waitFor();
  await page.getByLabel('A reply by Telegram').check();
  await page.getByText('Telegram is chosen above, but nothing is linked for it yet').waitFor();
});

test('the service worker shows a pushed notification, tagged by ticket, carrying the ticket\'s address for the click', async () => {
  const page = await signIn('maria.garcia');
  const context = page.context();
  await context.grantPermissions(['notifications'], { origin: BASE });
  const cdp = await context.newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  const registered = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === BASE + '/' && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await page.evaluate(async () => {
    await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
  });
  const registrationId = await registered;
  const payload = { title: '[HD-1001] Reply from Ivan Sidorov: Printer jams', body: 'I will come by after lunch.', url: BASE + '/tickets/HD-1001', tag: 'HD-1001' };
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: BASE, registrationId, data: JSON.stringify(payload) });
  const shown = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    for (let i = 0; i < 100; i += 1) {
      const list = await registration.getNotifications();
      if (list.length) return { title: list[0].title, body: list[0].body, tag: list[0].tag, url: list[0].data?.url };
      await new Promise((done) => setTimeout(done, 100));
    }
    return null;
  });
  assert.deepEqual(shown, { title: payload.title, body: payload.body, tag: 'HD-1001', url: payload.url });
});

test('an app signed in with a token is listed, and revoking it signs the app out', async () => {
  const page = await signIn('maria.garcia');
  const issued = await post(page, '/api/auth/tokens', { username: 'maria.garcia', password: PASSWORD, name: 'Helpdesk on Pixel 8' });
  assert.equal(issued.status(), 201);
  const { token } = await issued.json();
  const asApp = () => page.request.get(BASE + '/api/my/tickets', { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await asApp()).status(), 200);
  await openSettings(page);
  const revoke = page.getByRole('button', { name: 'Revoke Helpdesk on Pixel 8' });
  await revoke.waitFor();
  await revoke.click();
  await page.getByText('The app is signed out.').waitFor();
  // The list is fetched anew after the status is said.
  await revoke.waitFor({ state: 'detached' });
  assert.equal((await asApp()).status(), 401, 'the app is refused from then on');
  const listed = await api(page, 'GET', '/api/auth/me/tokens');
  assert.equal(listed.items.filter((t) => t.name === 'Helpdesk on Pixel 8').length, 0);
});

/** The settings page's section that lists what is linked. */
const reach = (page) => page.locator('section.reach');
/** What the section last said (the page's live region for it). */
const reachSaid = (page) => page.locator('.reach-status[role=status]');

test('a browser and a phone added through the API are listed with their channel and date; removing one keeps unsaved choices', async () => {
  const page = await signIn('john.smith');
  const subscription = await (await page.request.post(BASE + '/_fake/push/subscribe/john-laptop')).json();
  await api(page, 'POST', '/api/auth/me/push-subscriptions', { ...subscription, device: 'Firefox on the test laptop' });
  await api(page, 'POST', '/api/auth/me/devices', { platform: 'fcm', token: 'browser-test-john-pixel-token', device: 'Pixel 8 (test)' });
  await openSettings(page);
  const browserRow = reach(page).getByRole('listitem').filter({ hasText: 'Firefox on the test laptop' });
  const phoneRow = reach(page).getByRole('listitem').filter({ hasText: 'Pixel 8 (test)' });
  assert.match(await browserRow.innerText(), /Browser notifications[\s\S]*added \d/);
  assert.match(await phoneRow.innerText(), /Mobile app[\s\S]*added \d/);
  // Browser notifications chosen, with a browser linked: nothing to say under the grid.
  await page.getByLabel('A reply by Browser notifications').check();
  assert.equal(await page.locator('#web_push-hint').count(), 0);
  // Mobile chosen but not saved, then the phone removed: the choice stays, and now needs a phone.
  await page.getByLabel('A reply by Mobile app').check();
  await page.getByRole('button', { name: 'Remove Pixel 8 (test)' }).click();
  await reachSaid(page).getByText('Removed.').waitFor();
  assert.equal(await phoneRow.count(), 0);
  assert.equal(await page.getByLabel('A reply by Mobile app').isChecked(), true, 'the unsaved choice is kept');
  await page.locator('#mobile_push-hint').waitFor();
  assert.match(await page.getByLabel('A reply by Mobile app').getAttribute('aria-describedby'), /\bmobile_push-hint\b/);
  const stored = await api(page, 'GET', '/api/auth/me/notifications');
  assert.deepEqual(stored.contacts.map((c) => c.channel), ['web_push']);
  // In Russian, dates and words follow the language.
  await chooseLanguage(page, 'ru');
  assert.match(await browserRow.innerText(), /добавлено \d/);
  await page.getByRole('button', { name: 'Удалить Firefox on the test laptop' }).waitFor();
  await chooseLanguage(page, 'en');
});

/** Stands in for the browser's push service in `context`'s pages (Chromium here cannot reach a
 *  real one): `subscribe` answers the fake push service's subscription `sub`, records its options,
 *  and `unsubscribe` forgets it. The service worker, the permission and the page's calls are real. */
async function stubPushService(context, sub) {
  await context.addInitScript((sub) => {
    let current = null;
    const made = () => ({
      endpoint: sub.endpoint, expirationTime: null, options: { userVisibleOnly: true, applicationServerKey: null },
      toJSON: () => sub,
      unsubscribe: async () => { current = null; window.__unsubscribed = true; return true; },
    });
    PushManager.prototype.subscribe = async function (options) {
      // A real push service refuses a registration whose worker is not active yet.
      const active = Boolean((await navigator.serviceWorker.getRegistration('/'))?.active);
      window.__subscribedWith = { active, userVisibleOnly: options.userVisibleOnly, keyBytes: new Uint8Array(options.applicationServerKey).length };
      current = made();
      return current;
    };
    PushManager.prototype.getSubscription = async function () { return current; };
  }, sub);
}

test('browser notifications are turned on and off on this device; the page knows which listed browser it is', async () => {
  // The stand-in is in place before the app starts (no reload: it would cut short the language
  // change signIn makes, and lena's profile is in Russian).
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['notifications'], { origin: BASE });
  await stubPushService(context, await (await context.request.post(BASE + '/_fake/push/subscribe/lena-browser')).json());
  const page = await newPage(context);
  await page.goto(BASE + '/');
  await signInOn(page, 'lena.kuznetsova');
  await chooseLanguage(page, 'en');
  await openSettings(page);
  // Staff get browser notifications by default: with no browser linked, the page says so.
  await page.locator('#web_push-hint').getByText('Browser notifications is chosen above, but nothing is linked').waitFor();
  await page.getByRole('button', { name: 'Turn on browser notifications here' }).click();
  await reachSaid(page).getByText('Browser notifications are on for this browser.').waitFor();
  assert.deepEqual(await page.evaluate(() => window.__subscribedWith), { active: true, userVisibleOnly: true, keyBytes: 65 });
  const worker = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/'))?.active?.scriptURL);
  assert.equal(worker, BASE + '/sw.js');
  const mine = reach(page).getByRole('listitem').filter({ hasText: 'this browser' });
  assert.match(await mine.innerText(), /Browser notifications[\s\S]*Chrome/);
  assert.equal(await page.locator('#web_push-hint').count(), 0);
  await shot(page, 'channels-browser-on');

  await page.getByRole('button', { name: 'Turn off browser notifications here' }).click();
  await reachSaid(page).getByText('Browser notifications are off for this browser.').waitFor();
  assert.equal(await page.evaluate(() => window.__unsubscribed), true);
  await page.getByRole('button', { name: 'Turn on browser notifications here' }).waitFor();
  assert.equal(await mine.count(), 0);
  const stored = await api(page, 'GET', '/api/auth/me/notifications');
  assert.equal(stored.contacts.filter((c) => c.channel === 'web_push').length, 0);
});

test('notifications blocked for the site are explained, in words', async () => {
  const page = await signIn('ivan.sidorov');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Browser.setPermission', { origin: BASE, permission: { name: 'notifications' }, setting: 'denied' });
  await openSettings(page);
  await page.getByRole('button', { name: 'Turn on browser notifications here' }).click();
  await reachSaid(page).getByText('Notifications are blocked for this site').waitFor();
  const stored = await api(page, 'GET', '/api/auth/me/notifications');
  assert.equal(stored.contacts.filter((c) => c.channel === 'web_push').length, 0);
});

test('an admin links a Telegram group chat to an agent group and unlinks it', async () => {
  const page = await signIn('admin');
  await page.getByRole('navigation').getByRole('link', { name: 'Groups' }).click();
  await page.getByRole('button', { name: 'escalations', exact: true }).click();
  const section = page.locator('section.card', { has: page.getByRole('heading', { name: 'Telegram chat' }) });
  await section.getByText('No Telegram chat is linked to this group.').waitFor();
  await section.getByRole('button', { name: 'Link a Telegram group chat' }).click();
  const link = section.getByRole('link', { name: /^https:\/\/t\.me\/helpdesk_local_bot\?startgroup=/ });
  await link.waitFor();
  assert.equal(await link.getAttribute('rel'), 'noopener');
  const token = new URL(await link.getAttribute('href')).searchParams.get('startgroup');
  // Before Start: not yet, and it says so.
  await section.getByRole('button', { name: 'Check again' }).click();
  await section.getByRole('status').getByText('No chat is linked yet.').waitFor();
  // Telegram: the bot is added to a group chat, which sends /start with the token.
  assert.equal((await post(page, '/_fake/telegram/_control/start', { chat_id: -100990002, token, type: 'group' })).status(), 204);
  // The runner long-polls the fake: wait until the chat is linked, then check again.
  await page.waitForFunction(async () => (await (await fetch('/api/groups/escalations/telegram')).json()).chat !== null);
  // Asked again until the page shows it (a click can land while the section redraws).
  const linked = section.getByText('This group\'s notices go to the Telegram chat “Service desk”');
  for (let i = 0; i < 10 && !(await linked.isVisible()); i++) {
    const again = section.getByRole('button', { name: 'Check again' });
    if (await again.isVisible()) await again.click();
    await linked.waitFor({ timeout: 3000 }).catch(() => {});
  }
  await linked.waitFor();
  await section.getByRole('status').getByText('The Telegram chat is linked.').waitFor();
  assert.equal(await link.count(), 0, 'the used link is gone');
  const replies = await (await page.request.get(BASE + '/_fake/telegram/_control/messages')).json();
  assert.ok(replies.messages.some((m) => m.chat_id === -100990002 && m.text.startsWith('Linked')), 'the bot says so in the group');
  await shot(page, 'channels-group-telegram');
  await section.getByRole('button', { name: 'Unlink the chat' }).click();
  await section.getByText('No Telegram chat is linked to this group.').waitFor();
  await section.getByRole('status').getByText('The Telegram chat is unlinked').waitFor();
  assert.deepEqual(await api(page, 'GET', '/api/groups/escalations/telegram'), { chat: null });
});
