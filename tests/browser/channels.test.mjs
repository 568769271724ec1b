// Where notifications reach people beyond mail and SMS, in the UI: linking Telegram with a one-time
// link (the runner's fake Bot API plays Telegram), the contacts list and its Remove buttons, the
// service worker showing a push (delivered through the DevTools protocol: this machine cannot
// reach the browser vendors' push services) and opening the ticket on a click, and the signed-in
// apps whose tokens the profile revokes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, launch, newPage, signInOn, chooseLanguage, shot, api } from './support.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signIn(username) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await newPage(context);
  await page.goto(BASE + '/');
  await signInOn(page, username);
  await chooseLanguage(page, 'en');
  return page;
}

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
  assert.equal(await revoke.count(), 0);
  assert.equal((await asApp()).status(), 401, 'the app is refused from then on');
  const listed = await api(page, 'GET', '/api/auth/me/tokens');
  assert.equal(listed.items.filter((t) => t.name === 'Helpdesk on Pixel 8').length, 0);
});
