// The console's queue and an open ticket as agents live in them: what falls due first comes first
// and is marked; sorting happens on the server across the whole queue; the address keeps view,
// filters, order and page (Back after opening a ticket returns to the same page); a reply from
// another browser appears without a reload; two agents on one ticket see each other.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, signInEnglish, shot, api } from './support.mjs';

let browser;
const pages = [];

before(async () => { browser = await launch(); });
after(async () => {
  for (const page of pages) assert.deepEqual(page.errors, [], 'no page errors');
  await browser?.close();
});

async function signIn(username) {
  const page = await signInEnglish(browser, username);
  pages.push(page);
  return page;
}

const rows = (page) => page.locator('table.tickets tbody tr');
const numbers = (page) => rows(page).locator('td.number').allInnerTexts();

test("an agent's default view shows what falls due first, marked for the eye and for screen readers", async () => {
  const page = await signIn('lena.kuznetsova');
  await page.goto(`${BASE}/queue`);
  await rows(page).first().waitFor();
  assert.equal(await page.locator('#queue-view').inputValue(), 'groups', 'all my groups');
  assert.equal(await page.locator('#queue-sort').inputValue(), 'due');
  assert.equal(await page.locator('#queue-state').inputValue(), 'open');
  const first = rows(page).first();
  assert.match(await first.getAttribute('class'), /due-breached/, 'a breached demo ticket comes first');
  assert.match(await first.locator('.due-cell').innerText(), /overdue/);
  assert.equal(await first.locator('.due-cell .sr-only').innerText(), 'Overdue:');
  assert.match(await page.locator('.list .count').innerText(), /^\d+ tickets?$/, 'the total is shown');
  // Done tickets only when asked for.
  assert.equal(await rows(page).filter({ hasText: 'Install Inkscape' }).count(), 0);
  await shot(page, 'queue-01-due-first');
  // Groups by their name in the UI's language.
  const { chooseLanguage } = await import('./support.mjs');
  await chooseLanguage(page, 'ru');
  assert.equal(await page.locator('#queue-view option[value="service-desk"]').innerText(), 'Первая линия');
  await chooseLanguage(page, 'en');
  assert.equal(await page.locator('#queue-view option[value="service-desk"]').innerText(), 'Service desk');
});

test('sorting by priority brings an urgent ticket from the last page to the first; Back restores the page', async () => {
  const anna = await signIn('anna.petrova');
  const lena = await signIn('lena.kuznetsova');
  for (let n = 0; n < 30; n += 1) {
    await api(anna, 'POST', '/api/tickets', { topic: 'general', subject: `Queue filler ${n}`, description: 'Filler for the queue test.' });
  }
  // An urgent ticket waiting for the requester: its clock is paused, so it falls due last.
  const urgent = await api(anna, 'POST', '/api/tickets', { topic: 'general', subject: 'Urgent but waiting', description: 'Waits for the requester.' });
  const number = urgent.ticket.number;
  await api(lena, 'PATCH', `/api/tickets/${number}`, { version: urgent.ticket.version, priority: 'urgent', status: 'waiting' });

  await lena.goto(`${BASE}/queue?view=service-desk`);
  await rows(lena).first().waitFor();
  assert.ok(!(await numbers(lena)).includes(number), 'not on the first page by due time');
  // To the last page.
  const next = lena.getByRole('button', { name: 'Next page' });
  while (await next.isEnabled()) {
    const before = (await numbers(lena)).join();
    await next.click();
    await lena.waitForFunction((b) => [...document.querySelectorAll('table.tickets td.number')].map((e) => e.innerText).join() !== b, before);
  }
  assert.ok((await numbers(lena)).includes(number), 'on the last page by due time');

  await lena.locator('#queue-sort').selectOption('priority');
  await lena.waitForFunction((n) => document.querySelector('table.tickets td.number')?.innerText === n, number);
  assert.match(lena.url(), /sort=priority/);
  assert.ok(!/[?&]at=/.test(lena.url()), 'a new order starts at the first page');
  await next.click();
  await lena.waitForURL(/[?&]at=/);
  await rows(lena).first().waitFor();
  const secondPage = await numbers(lena);
  await rows(lena).first().locator('a').click();
  await lena.getByRole('heading', { level: 1 }).filter({ hasText: secondPage[0] }).waitFor();
  await lena.goBack();
  await lena.waitForFunction((n) => document.querySelector('table.tickets td.number')?.innerText === n, secondPage[0]);
  assert.deepEqual(await numbers(lena), secondPage, 'the same page of the same order');
  assert.equal(await lena.locator('#queue-sort').inputValue(), 'priority');
  assert.equal(await lena.locator('#queue-view').inputValue(), 'service-desk');
  await lena.reload();
  await lena.waitForFunction((n) => document.querySelector('table.tickets td.number')?.innerText === n, secondPage[0]);
  await shot(lena, 'queue-02-by-priority-page-2');
});

test("another browser's reply appears in place, and two agents on one ticket see each other", async () => {
  const anna = await signIn('anna.petrova');
  const ivan = await signIn('ivan.sidorov');
  const lena = await signIn('lena.kuznetsova');
  const created = await api(anna, 'POST', '/api/tickets', { topic: 'general', subject: 'Live ticket', description: 'Watch me.' });
  const number = created.ticket.number;
  await ivan.goto(`${BASE}/tickets/${number}`);
  await ivan.getByRole('heading', { name: /Live ticket/ }).waitFor();
  await lena.goto(`${BASE}/tickets/${number}`);
  await lena.getByRole('heading', { name: /Live ticket/ }).waitFor();
  // Each hears the other within a pulse or two.
  await ivan.getByText('Lena Kuznetsova is viewing this ticket').waitFor({ timeout: 25_000 });
  await lena.getByText('Ivan Sidorov is viewing this ticket').waitFor({ timeout: 25_000 });
  await lena.getByLabel('Your reply').fill('Looking at it now');
  await lena.locator('h1').click();
  await ivan.getByText('Lena Kuznetsova is writing a reply').waitFor({ timeout: 25_000 });
  await shot(ivan, 'queue-03-collision');

  // The requester answers from her own browser: Ivan's page shows it without a reload. Lena is
  // typing meanwhile.
  await ivan.evaluate(() => { window.__sameDocument = true; });
  await lena.getByLabel('Your reply').focus();
  await api(anna, 'POST', `/api/tickets/${number}/replies`, { body: 'It flickers again since noon.' });
  await ivan.locator('.message').filter({ hasText: 'It flickers again since noon.' }).waitFor({ timeout: 25_000 });
  assert.equal(await ivan.evaluate(() => window.__sameDocument), true, 'no reload');
  // Lena is typing: her page says the ticket changed and waits for her click.
  await lena.getByText('Someone changed this ticket.').waitFor({ timeout: 25_000 });
  assert.equal(await lena.getByLabel('Your reply').inputValue(), 'Looking at it now', 'her text is kept');
  await lena.getByRole('button', { name: 'Show the changes' }).click();
  await lena.locator('.message').filter({ hasText: 'It flickers again since noon.' }).waitFor();
  assert.equal(await lena.getByLabel('Your reply').inputValue(), 'Looking at it now', 'and kept after the redraw');
});

test('a bulk assign of three tickets where one changed meanwhile reports that one and applies the rest', async () => {
  const anna = await signIn('anna.petrova');
  const lena = await signIn('lena.kuznetsova');
  const made = [];
  for (const name of ['A', 'B', 'C']) {
    const created = await api(anna, 'POST', '/api/tickets', { topic: 'general', subject: `Bulk ${name}`, description: 'For the bulk test.' });
    const high = await api(lena, 'PATCH', `/api/tickets/${created.ticket.number}`, { version: created.ticket.version, priority: 'high' });
    made.push(high.ticket);
  }
  await lena.goto(`${BASE}/queue?view=service-desk&sort=priority&priority=high&assignee=none`);
  for (const t of made) await lena.getByLabel(`Select ${t.number}`).check();
  await lena.getByText('3 tickets selected').waitFor();
  // Meanwhile somebody else changes B.
  await api(anna, 'POST', `/api/tickets/${made[1].number}/replies`, { body: 'One more detail.' });
  await lena.locator('#bulk-assignee').selectOption('lena.kuznetsova');
  await lena.getByRole('button', { name: 'Apply to the selected' }).click();
  const report = lena.locator('.bulk-report');
  await report.getByText('2 tickets changed.').waitFor();
  await report.getByText('1 ticket was not changed:').waitFor();
  assert.match(await report.locator('li').innerText(), new RegExp(`${made[1].number}: someone changed it meanwhile`));
  await shot(lena, 'queue-04-bulk');
  // The next selection starts with nothing chosen.
  await lena.getByLabel(`Select ${made[1].number}`).check();
  assert.deepEqual(
    [await lena.locator('#bulk-assignee').inputValue(), await lena.locator('#bulk-status').inputValue()],
    ['', ''],
  );
  const assignees = [];
  for (const t of made) assignees.push((await api(lena, 'GET', `/api/tickets/${t.number}`)).ticket.assignee ?? null);
  assert.deepEqual(assignees, ['lena.kuznetsova', null, 'lena.kuznetsova']);
});

test('the keyboard moves through the queue, selects and opens', async () => {
  const lena = await signIn('lena.kuznetsova');
  await lena.goto(`${BASE}/queue?view=service-desk`);
  await rows(lena).first().waitFor();
  const first = (await numbers(lena))[0];
  const second = (await numbers(lena))[1];
  await lena.keyboard.press('j');
  await lena.keyboard.press('j');
  assert.equal(await lena.evaluate(() => document.activeElement?.innerText), second);
  await lena.keyboard.press('k');
  await lena.keyboard.press('x');
  await lena.getByText('1 ticket selected').waitFor();
  await lena.keyboard.press('Enter');
  await lena.getByRole('heading', { level: 1 }).filter({ hasText: first }).waitFor();
  await lena.keyboard.press('r');
  assert.equal(await lena.evaluate(() => document.activeElement?.id), 'reply-text');
});

test('a 200-character unbroken subject fits the queue on a laptop, and the queue and a ticket fit a phone', async () => {
  const anna = await signIn('anna.petrova');
  const subject = 'Q'.repeat(200);
  const made = await api(anna, 'POST', '/api/tickets', { topic: 'general', subject, description: 'A subject without a space.' });
  const number = made.ticket.number;
  // Urgent, so that it shows on the first page of the urgent ones.
  await api(await signIn('lena.kuznetsova'), 'PATCH', `/api/tickets/${number}`, { version: made.ticket.version, priority: 'urgent' });
  const fits = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  for (const [width, height] of [[1366, 768], [390, 844]]) {
    const page = await signInSized('lena.kuznetsova', { width, height });
    await page.goto(`${BASE}/queue?view=service-desk&priority=urgent`);
    await page.locator('td.subject', { hasText: subject.slice(0, 40) }).first().waitFor();
    assert.ok(await fits(page), `the queue fits ${width} px`);
    const numberCell = page.locator('td.number', { hasText: number });
    await numberCell.waitFor();
    const lines = await numberCell.locator('a').evaluate((a) => a.getClientRects().length);
    assert.equal(lines, 1, `${number} stays on one line at ${width} px`);
    await shot(page, `queue-05-long-subject-${width}`);
    await page.goto(`${BASE}/tickets/${number}`);
    const title = page.getByRole('heading', { level: 1 });
    await title.waitFor();
    assert.ok(await fits(page), `the ticket page fits ${width} px`);
    assert.ok(await title.evaluate((h) => h.scrollWidth <= h.clientWidth + 1), 'the title wraps instead of being cut');
    const header = await page.locator('body > header').evaluate((h) => h.getBoundingClientRect().height);
    assert.ok(header < 200, `the header stays compact (${header} px)`);
    await shot(page, `queue-06-ticket-${width}`);
  }
});

async function signInSized(username, viewport) {
  const { signIn: signInAt, chooseLanguage } = await import('./support.mjs');
  const page = await signInAt(browser, username, viewport, 'UTC');
  pages.push(page);
  await chooseLanguage(page, 'en');
  return page;
}

test('a ticket that is not there says so without a pointless "Try again"', async () => {
  const anna = await signIn('anna.petrova');
  await anna.goto(`${BASE}/tickets/HD-999999`);
  await anna.locator('.error').waitFor();
  assert.equal(await anna.getByRole('button', { name: 'Try again' }).count(), 0);
});

test('a date field reads like every other date, in the UI language', async () => {
  const lena = await signIn('lena.kuznetsova');
  const list = await api(lena, 'GET', '/api/tickets?group=identity&group=network&group=service-desk&limit=100');
  const access = list.items.find((t) => t.subject.startsWith('CRM and VPN access'));
  assert.ok(access, 'the demo access request');
  await lena.goto(`${BASE}/tickets/${access.number}`);
  await lena.locator('.details').getByText('1 Dec 2026').waitFor();
  assert.equal(await lena.locator('.details').getByText('2026-12-01').count(), 0);
});

test('a requester who opens the queue\'s address lands on her own tickets, without the queue\'s filters', async () => {
  const anna = await signIn('anna.petrova');
  await anna.goto(`${BASE}/queue?view=service-desk`);
  await anna.waitForURL(/\/my$/);
  await anna.getByRole('heading', { name: 'My tickets' }).waitFor();
  assert.equal(await anna.locator('#queue-view').count(), 0);
});

test("a checkbox's error stands under the checkbox, not before it", async () => {
  const anna = await signIn('anna.petrova');
  await anna.goto(`${BASE}/new`);
  await anna.getByLabel('Topic').selectOption('access-request');
  const box = anna.getByLabel('My manager approved this request');
  await box.waitFor();
  await anna.getByRole('button', { name: 'Submit ticket' }).click();
  const error = anna.locator('.field.checkbox .field-error');
  await error.waitFor();
  const [boxAt, errorAt] = [await box.boundingBox(), await error.boundingBox()];
  assert.ok(errorAt.y >= boxAt.y + boxAt.height - 1, `error at ${errorAt.y}, box ends at ${boxAt.y + boxAt.height}`);
});
