// Notifications in the UI: the settings page every message links to (what comes by which channel,
// quiet hours, the time zone), its problems shown at their fields, a save over settings changed
// elsewhere; and the decision log on the ticket page, which staff see and requesters never ask for.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, signInEnglish, chooseLanguage, shot, api } from './support.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A signed-in page in its own context, in English; `timezoneId`: the browser's time zone. */
const signIn = (username, timezoneId) => signInEnglish(browser, username, timezoneId);

/** The settings page, reached through the navigation. */
async function openSettings(page) {
  await page.getByRole('navigation').getByRole('link', { name: 'Notifications' }).click();
  await page.waitForURL(/\/settings\/notifications$/);
  await page.getByRole('heading', { name: 'Your notification settings' }).waitFor();
}

const save = (page) => page.getByRole('button', { name: 'Save', exact: true }).click();
/** The page's live region, where a save's outcome is said. */
const status = (page) => page.locator('.save-status[role=status]');

test('a requester turns reply e-mail off and it stays off after a reload; the browser\'s time zone is offered and kept', async () => {
  const page = await signIn('john.smith', 'Asia/Yekaterinburg');
  await openSettings(page);
  const replyMail = page.getByLabel('A reply by E-mail');
  await replyMail.waitFor();
  assert.equal(await replyMail.isChecked(), true, 'e-mail for replies is on by default');
  // Requesters are offered their notices only; SMS waits for a phone number and says so.
  assert.equal(await page.getByLabel('A new ticket in my groups by E-mail').count(), 0);
  const replySms = page.getByLabel('A reply by SMS');
  assert.equal(await replySms.isDisabled(), true);
  const hint = await replySms.getAttribute('aria-describedby');
  assert.match(await page.locator(`[id="${hint.split(' ').at(-1)}"]`).innerText(), /phone number/);
  // Never saved: the zone the browser is in is offered instead of UTC.
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'Asia/Yekaterinburg');

  await replyMail.uncheck();
  await save(page);
  await status(page).filter({ hasText: 'Your notification settings are saved.' }).waitFor();
  await shot(page, '40-notification-settings-saved');

  await page.reload();
  await page.getByLabel('A reply by E-mail').waitFor();
  assert.equal(await page.getByLabel('A reply by E-mail').isChecked(), false);
  assert.equal(await page.getByLabel('My ticket is resolved by E-mail').isChecked(), true);
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'Asia/Yekaterinburg');
  const stored = await api(page, 'GET', '/api/auth/me/notifications');
  assert.deepEqual(stored.preferences.channels.reply ?? [], []);
  assert.equal(stored.preferences.time_zone, 'Asia/Yekaterinburg');
  assert.equal(stored.preferences.version, 1);

  // The same page in Russian.
  await chooseLanguage(page, 'ru');
  await page.getByRole('heading', { name: 'Настройки уведомлений' }).waitFor();
  assert.equal(await page.getByLabel('Ответ в заявке: Почта').isChecked(), false);
  await chooseLanguage(page, 'en');
});

test('quiet hours that start and end at the same time are refused at the field; the SLA note is there for staff', async () => {
  const page = await signIn('lena.kuznetsova');
  await openSettings(page);
  await page.getByText('SLA breaches are sent even in quiet hours.').waitFor();
  await page.getByLabel('Send nothing during quiet hours').check();
  const from = page.getByLabel('From', { exact: true });
  await from.fill('08:00');
  await page.getByLabel('Until', { exact: true }).fill('08:00');
  await save(page);
  await status(page).filter({ hasText: 'Please correct the marked fields.' }).waitFor();
  assert.equal(await from.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Until', { exact: true }).getAttribute('aria-invalid'), 'true');
  const describedBy = await from.getAttribute('aria-describedby');
  assert.equal(await page.locator(`[id="${describedBy}"]`).innerText(), 'Quiet hours must start and end at different times.');
  assert.match(await status(page).innerText(), /Quiet hours: Quiet hours must start and end at different times\./);
  await shot(page, '41-quiet-hours-refused');
  // Nothing was stored.
  const stored = await api(page, 'GET', '/api/auth/me/notifications');
  assert.equal(stored.preferences.quiet_hours, null);
  assert.equal(stored.preferences.version, 0);
});

test('a save over settings changed in another tab says so and shows the latest', async () => {
  const page = await signIn('maria.garcia');
  await openSettings(page);
  await page.getByLabel('A reply by E-mail').waitFor();
  // Another tab turns "resolved" mail off meanwhile.
  const read = await api(page, 'GET', '/api/auth/me/notifications');
  const channels = { ...read.preferences.channels, resolved: [] };
  await api(page, 'PUT', '/api/auth/me/notifications', { ...read.preferences, channels });
  await page.getByLabel('A reply by E-mail').uncheck();
  await save(page);
  await status(page).filter({ hasText: 'These settings were changed elsewhere meanwhile.' }).waitFor();
  // The latest settings are shown, without the change that was refused.
  await page.waitForFunction(() => {
    const box = [...document.querySelectorAll('input[type=checkbox]')].find((b) => b.getAttribute('aria-label') === 'My ticket is resolved by E-mail');
    return box && !box.checked;
  });
  assert.equal(await page.getByLabel('A reply by E-mail').isChecked(), true);
  await page.getByLabel('A reply by E-mail').uncheck();
  await save(page);
  await status(page).filter({ hasText: 'Your notification settings are saved.' }).waitFor();
  const stored = await api(page, 'GET', '/api/auth/me/notifications');
  assert.deepEqual([stored.preferences.channels.reply ?? [], stored.preferences.channels.resolved ?? []], [[], []]);
});

/** The requests `page` sends for a ticket's decision log. */
function logRequests(page) {
  const sent = [];
  page.on('request', (r) => { if (/\/api\/tickets\/[^/]+\/notifications/.test(r.url())) sent.push(r.url()); });
  return sent;
}

test('an agent sees what became of the notifications on a ticket; a requester sees no such section and never asks for it', async () => {
  const anna = await signIn('anna.petrova');
  const view = await api(anna, 'POST', '/api/tickets', {
    topic: 'printer', subject: 'Who was told?', description: 'Filed by the browser test.',
    fields: { location: 'Room 7', problem: 'jam' },
  });
  const number = view.ticket.number;
  const agent = await signIn('ivan.sidorov');
  await api(agent, 'POST', `/api/tickets/${number}/replies`, { body: 'Looking into it.' });

  const asked = logRequests(agent);
  await agent.goto(`${BASE}/tickets/${number}`);
  const toggle = agent.getByRole('button', { name: 'Notifications' });
  await toggle.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(asked.length, 0, 'loaded only when opened');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const log = agent.locator('#deliveries-body');
  await log.locator('table, .empty').first().waitFor();
  assert.equal(asked.length, 1);
  // The notify function decides in its own time: refresh until anna's acknowledgement is listed.
  const filed = log.locator('tbody tr', { hasText: 'My new ticket is registered' }).filter({ hasText: 'anna.petrova' });
  // Each channel's line is written when it is decided: wait for the e-mail's.
  const mailed = filed.filter({ hasText: 'E-mail' });
  for (let i = 0; i < 30 && (await mailed.count()) === 0; i++) {
    await agent.waitForTimeout(1000);
    await agent.getByRole('button', { name: 'Refresh' }).click();
  }
  assert.ok((await mailed.count()) > 0, await log.innerText());
  assert.match(await mailed.first().innerText(), /Sent|Sending|Failed/);
  // Anna has no phone: the SMS line says why it was not sent.
  const sms = filed.filter({ hasText: 'SMS' });
  if (await sms.count()) assert.match(await sms.first().innerText(), /Not sent[\s\S]*(turned off in their settings|no address)/);
  await shot(agent, '42-ticket-notifications');
  // Closed and opened again: kept, not loaded anew. (Let the last refresh's request be counted first.)
  await agent.waitForLoadState('networkidle');
  const before = asked.length;
  await toggle.click();
  assert.equal(await log.isHidden(), true);
  await toggle.click();
  assert.equal(asked.length, before);

  const seen = logRequests(anna);
  await anna.goto(`${BASE}/tickets/${number}`);
  await anna.getByRole('button', { name: 'Send reply' }).waitFor();
  await anna.getByText('Looking into it.').waitFor();
  assert.equal(await anna.getByRole('button', { name: 'Notifications' }).count(), 0);
  assert.equal(await anna.locator('#deliveries-body').count(), 0);
  assert.deepEqual(seen, []);
  // The server refuses her too.
  const cookies = await anna.context().cookies(BASE);
  const response = await anna.request.get(`${BASE}/api/tickets/${number}/notifications`, {
    headers: { 'x-csrf-token': cookies.find((c) => c.name === 'hd_csrf')?.value ?? '' },
  });
  assert.equal(response.status(), 403);
});
