// Reports as an admin uses them: the agent report of the demo data with its chart and table, the
// rules the figures follow and the report time zone, another dimension and a date range kept in
// the address, the same report as CSV (a byte-order mark for spreadsheets), and agents kept out.
// The reports function counts the demo tickets within seconds of the runner's start, so the first
// look is polled for.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, signInEnglish, shot } from './support.mjs';

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

test('an admin reads the agent report with its chart and table, picks another dimension and downloads CSV', async () => {
  const admin = await signIn('admin');
  await admin.getByRole('link', { name: 'Reports' }).click();
  await admin.waitForURL(/\/reports$/);
  await admin.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
  const rows = admin.locator('table.report tbody tr');
  for (let i = 0; i < 40 && (await rows.count()) === 0; i++) {
    await admin.waitForTimeout(500);
    await admin.reload();
    await admin.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await admin.locator('table.report, .reports .empty').first().waitFor();
  }
  assert.ok((await rows.count()) > 0, 'the demo tickets are counted');
  await admin.getByText(/Days are days in UTC\./).waitFor();
  const chart = admin.getByRole('img', { name: /Created and resolved/ });
  await chart.waitFor();
  assert.ok((await chart.locator('rect').count()) >= 2, 'bars are drawn');
  const created = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelectorAll('td')[0].textContent)));
  assert.ok(created.every((n) => Number.isInteger(n) && n >= 0), JSON.stringify(created));
  // People by name, never by login id.
  await admin.locator('table.report tbody th', { hasText: 'Ivan Sidorov' }).waitFor();
  assert.equal(await admin.locator('table.report tbody th', { hasText: 'ivan.sidorov' }).count(), 0);
  await shot(admin, 'reports-01-agents');

  // By topic, over a chosen range: the address keeps it (a reload or a shared link shows the same).
  await admin.getByLabel('Report by').selectOption('topic');
  await admin.waitForURL(/by=topic/);
  await admin.getByRole('columnheader', { name: 'Topic' }).waitFor();
  const today = new Date().toISOString().slice(0, 10);
  // Topics by their names, as the filter lists them.
  await admin.locator('table.report tbody th', { hasText: 'Printer' }).first().waitFor();
  assert.equal(await admin.locator('table.report tbody th', { hasText: /^printer$/ }).count(), 0);
  await admin.getByLabel('From').fill('2020-01-01');
  await admin.getByLabel('From').dispatchEvent('change');
  await admin.waitForURL(/from=2020-01-01/);
  await admin.getByRole('alert').getByText('Choose a range of at most 400 days that ends on or after its first day.').waitFor();
  assert.equal(await admin.getByRole('link', { name: 'Download CSV' }).count(), 0, 'no file for a refused question');
  await admin.getByLabel('From').fill(today);
  await admin.getByLabel('From').dispatchEvent('change');
  await admin.waitForURL(new RegExp(`from=${today}`));
  await admin.locator('table.report, .reports .empty').first().waitFor();

  // The same report as a file, as the link gives it.
  const href = await admin.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  assert.match(href, /^\/api\/reports\/topic\?.*format=csv/);
  const file = await admin.request.get(BASE + href);
  assert.equal(file.status(), 200);
  assert.match(file.headers()['content-type'], /^text\/csv/);
  const bytes = await file.body();
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark');
  assert.match(bytes.toString('utf8'), /^\uFEFFtopic,created,first_responses,resolved,reopened,reopen_rate,/);
});

test('agents have no reports: no link, and the API refuses them', async () => {
  const agent = await signIn('ivan.sidorov');
  assert.equal(await agent.getByRole('link', { name: 'Reports' }).count(), 0);
  const response = await agent.request.get(`${BASE}/api/reports/agent?from=2026-01-01&to=2026-01-31`);
  assert.equal(response.status(), 403);
});

test('a manager reads SLA compliance, the problem equipment with its tickets, and the backlog; the queue without changing it', async () => {
  const pavel = await signIn('pavel.morozov');
  await pavel.getByRole('link', { name: 'Reports' }).click();
  await pavel.waitForURL(/\/reports$/);
  await pavel.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
  // SLA compliance per plan: met and breached per target, with the share met in time.
  await pavel.getByLabel('Report by').selectOption('plan');
  await pavel.waitForURL(/by=plan/);
  await pavel.getByRole('columnheader', { name: /First response · met in time/ }).waitFor();
  const standard = pavel.locator('table.report tbody tr', { hasText: 'standard' });
  await standard.waitFor();
  assert.match(await standard.innerText(), /\d+ met \/ \d+ breached \(\d+ %\)/);
  // Problem equipment: a printer or laptop that keeps coming back leads (which one depends on the
  // days the last 30 take in: breaches count business hours), its tickets a click away.
  await pavel.getByLabel('Report by').selectOption('asset');
  await pavel.waitForURL(/by=asset/);
  await pavel.getByText(/The 20 with the most SLA breaches/).waitFor();
  const first = pavel.locator('table.report tbody tr').first();
  await first.waitFor();
  const tag = await first.locator('th').innerText();
  assert.match(tag, /^(PR|LT)-\d+$/);
  await first.getByRole('link', { name: 'Tickets' }).click();
  await pavel.waitForURL(new RegExp(`/search\\?.*q=${tag}`));
  await pavel.locator('ol.hits li').first().waitFor();
  assert.ok((await pavel.locator('ol.hits li').count()) >= 1, 'the equipment\'s tickets are found');
  // The backlog: bars and a line, the open tickets by age.
  await pavel.goto(`${BASE}/reports?by=backlog`);
  await pavel.getByRole('img', { name: /Opened and resolved per day/ }).waitFor();
  await pavel.getByRole('heading', { name: 'Open tickets by age' }).waitFor();
  const ages = await pavel.locator('table.ageing tbody td').allInnerTexts();
  assert.equal(ages.length, 5);
  assert.ok(ages.map(Number).reduce((a, b) => a + b, 0) >= 1, JSON.stringify(ages));
  await shot(pavel, 'reports-02-backlog');
  // The queues, read only: no selection for bulk changes, no reply box on someone else's ticket.
  await pavel.getByRole('link', { name: 'Queue' }).click();
  await pavel.locator('table.tickets tbody tr').first().waitFor();
  assert.equal(await pavel.locator('table.tickets input[type=checkbox]').count(), 0);
  await pavel.locator('table.tickets tbody tr a').first().click();
  await pavel.waitForURL(/\/tickets\/HD-\d+$/);
  await pavel.locator('.conversation').waitFor();
  assert.equal(await pavel.locator('form.reply').count(), 0);
  assert.equal(await pavel.getByRole('link', { name: 'Topics' }).count(), 0, 'no administration');
  // …and an administration page opened by its address says so at once, with no form to fill.
  await pavel.goto(`${BASE}/admin/sla/plans/standard`);
  await pavel.getByText('You may not do this.').waitFor();
  assert.equal(await pavel.locator('main input').count(), 0);
  // The agents by name for the manager too.
  await pavel.goto(`${BASE}/reports?by=agent`);
  await pavel.locator('table.report tbody th', { hasText: 'Lena Kuznetsova' }).waitFor();
  // The weekly report is his to keep or turn off, by mail only.
  await pavel.goto(`${BASE}/settings/notifications`);
  const weekly = pavel.locator('table.notices tbody tr', { hasText: "Last week's report" });
  await weekly.waitFor();
  assert.equal(await weekly.locator('input[type=checkbox]').count(), 1, 'one box: e-mail');
  assert.ok(await weekly.getByLabel("Last week's report (Monday morning) by E-mail").isChecked(), 'on by default');
});
