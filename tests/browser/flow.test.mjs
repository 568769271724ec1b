// The whole flow of the web UI in a real headless Chromium against the local runner
// (scripts/browser-test starts it with fresh demo data and sets HELPDESK_URL):
// a requester files a ticket with topic-specific fields, an agent finds it in the queue and
// replies (and adds an internal note the requester must not see), the requester sees the reply,
// a stale write shows the conflict message, the requester reopens the resolved ticket, an agent
// logs a call, an admin adds a topic, and
// switching to Russian changes the UI and is remembered. Screenshots of each step go to
// tests/artifacts/browser/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, CSP_DIRECTIVES, launch, newPage, shot, chooseLanguage, signIn as signInWith, signInOn } from './support.mjs';

let browser;
const state = {};
const pages = [];

before(async () => { browser = await launch(); });

after(async () => { await browser?.close(); });

/** A signed-in page of its own (see support.mjs); its errors are checked at the end. */
async function signIn(username, viewport) {
  const page = await signInWith(browser, username, viewport);
  pages.push(page);
  return page;
}

test('the UI is served under a Content-Security-Policy and the other security headers', async () => {
  const page = await newPage(await browser.newContext());
  pages.push(page);
  const response = await page.goto(BASE + '/');
  const headers = response.headers();
  const policy = headers['content-security-policy'] ?? '';
  for (const directive of CSP_DIRECTIVES) assert.ok(policy.includes(directive), `CSP lacks "${directive}": "${policy}"`);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'same-origin');
  // The app starts under it: no inline script or style is needed.
  await page.getByLabel('User name').waitFor();
  assert.equal(await page.locator('script:not([src]), style, [style]').count(), 0);
  await page.context().close();
});

test('a wrong password is refused with a clear message', async () => {
  const page = await newPage(await browser.newContext());
  pages.push(page);
  await page.goto(BASE + '/');
  await page.getByLabel('User name').fill('anna.petrova');
  await page.getByLabel('Password').fill('not-her-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'user name or password is wrong' }).waitFor();
  await shot(page, '00-wrong-password');
  await page.context().close();
});

test('a requester files a ticket with the topic\'s own fields, checked in the browser first', async () => {
  const page = await signIn('anna.petrova', { width: 390, height: 844 });
  state.anna = page;
  // Her profile says Russian: that is the UI she gets until she chooses.
  await page.getByRole('heading', { name: 'Мои заявки' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
  await chooseLanguage(page, 'en');
  await page.getByRole('link', { name: 'New ticket' }).first().click();
  await page.getByLabel('Topic').selectOption('printer');
  // The printer form: its own fields, labelled.
  await page.getByLabel('Where is the printer?').waitFor();
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  // Refused before anything is sent, field by field.
  await page.getByText('Please correct the marked fields.').waitFor();
  assert.equal(await page.getByLabel('Subject').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Where is the printer?').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Asset tag (on the sticker)').fill('not a tag!');
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await page.getByText('Use letters, digits and dashes').waitFor();
  await shot(page, '01-requester-form-errors');

  await page.getByLabel('Subject').fill('Printer on the 3rd floor prints blank pages');
  await page.getByLabel('Where is the printer?').fill('3rd floor, room 301');
  await page.getByLabel('What is wrong?').selectOption('toner');
  await page.getByLabel('Asset tag (on the sticker)').fill('pr-00042');
  await page.getByLabel('Description').fill('Every page comes out blank since this morning.');
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await page.waitForURL(/\/tickets\/HD-\d+$/);
  state.number = page.url().split('/').pop();
  await page.getByRole('heading', { name: /Printer on the 3rd floor/ }).waitFor();
  // The values as the topic labels them; the asset tag stored upper-case by the shared rules.
  await page.getByText('Toner or ink').waitFor();
  await page.getByText('PR-00042').waitFor();
  // A phone-width screen: nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
  await shot(page, '02-requester-ticket-created');

  await page.getByRole('link', { name: 'My tickets' }).click();
  await page.getByRole('link', { name: state.number }).waitFor();
  await shot(page, '03-requester-my-tickets');
});

test('an agent finds it in the queue, replies, and adds an internal note', async () => {
  const page = await signIn('ivan.sidorov');
  state.ivan = page;
  await chooseLanguage(page, 'en');
  await page.getByRole('heading', { name: 'Queue' }).waitFor();
  await page.locator('#queue-view').selectOption('service-desk');
  await page.getByLabel('Assignee').selectOption('none');
  await page.getByLabel('Status').selectOption('new');
  await page.getByRole('link', { name: state.number }).click();
  await page.getByRole('heading', { name: /Printer on the 3rd floor/ }).waitFor();
  await page.getByRole('button', { name: 'Assign to me' }).click();
  await page.getByText('Assignee: nobody → Ivan Sidorov').waitFor();
  // The controls show the ticket as it is once the people and groups have loaded.
  await page.waitForFunction(() => document.querySelector('#set-assignee')?.value === 'ivan.sidorov');
  await page.waitForFunction(() => document.querySelector('#set-group')?.value === 'service-desk');

  await page.getByLabel('Your reply').fill('A new toner cartridge is on its way to room 301.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.locator('.message').filter({ hasText: 'A new toner cartridge is on its way' }).waitFor();

  await page.getByRole('radio', { name: 'Internal note' }).check();
  await page.getByLabel('Internal note (agents only)').fill('Took the last cartridge from stock; reorder.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('.message.note').filter({ hasText: 'reorder' }).waitFor();
  // Staff see the SLA clocks.
  await page.getByRole('heading', { name: 'Service level' }).waitFor();
  await shot(page, '04-agent-replied');
});

test('the requester sees the reply and never the internal note', async () => {
  const page = state.anna;
  await page.goto(`${BASE}/tickets/${state.number}`);
  await page.locator('.message').filter({ hasText: 'A new toner cartridge is on its way' }).waitFor();
  assert.equal(await page.getByText('reorder').count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Service level' }).count(), 0);
  await shot(page, '05-requester-sees-reply');
  // She answers; the agent's open page is now stale.
  await page.getByLabel('Your reply').fill('Thank you!');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.locator('.message').filter({ hasText: 'Thank you!' }).waitFor();
});

test('a change based on an old version says so and offers a reload', async () => {
  const page = state.ivan;
  await page.getByLabel('Priority').selectOption('high');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Someone changed this ticket meanwhile').waitFor();
  await shot(page, '06-agent-conflict');
  await page.getByRole('button', { name: 'Reload' }).click();
  await page.locator('.message').filter({ hasText: 'Thank you!' }).waitFor();
  await page.getByLabel('Priority').selectOption('high');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Priority: Medium → High').waitFor();
  assert.equal(await page.getByText('Someone changed this ticket meanwhile').count(), 0);
});

test('the agent resolves it and the requester reopens it', async () => {
  const page = state.ivan;
  await page.getByLabel('Status').selectOption('resolved');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Status: Open → Resolved').waitFor();
  const anna = state.anna;
  await anna.reload();
  await anna.locator('.title-row .badge').filter({ hasText: 'Resolved' }).waitFor();
  await anna.getByRole('button', { name: 'Reopen' }).click();
  await anna.locator('.title-row .badge').filter({ hasText: 'Reopened' }).waitFor();
  await shot(anna, '07-requester-reopened');
});

test('an agent logs a call for a caller', async () => {
  const page = state.ivan;
  await page.getByRole('link', { name: 'Log a call' }).click();
  // Callers come from the people directory, found by part of their name.
  await page.getByLabel('Find the caller (name or id)').fill('smith');
  await page.waitForFunction(() => {
    const offered = [...document.querySelectorAll('#requester option')].map((o) => o.value);
    return offered.includes('john.smith') && !offered.includes('anna.petrova');
  });
  await page.getByLabel('Caller', { exact: true }).selectOption('john.smith');
  await page.getByLabel('Topic').selectOption('access-request');
  await page.getByLabel('Subject').fill('VPN access for the new project');
  await page.getByRole('checkbox', { name: 'VPN' }).check();
  await page.getByLabel('Access level').selectOption('read');
  await page.getByLabel('My manager approved this request *').check();
  await page.getByLabel('Description').fill('Called at 10:05; needs VPN from Monday.');
  await page.getByRole('button', { name: 'Log the call' }).click();
  // Access requests go to the identity team's queue, which Ivan does not work: he is told where.
  await page.getByText(/HD-\d+ was logged and sent to the identity queue/).waitFor();
  await shot(page, '08-agent-logged-call');
  // A printer call stays in his queue: he lands on the new ticket.
  await page.getByLabel('Find the caller (name or id)').fill('maria');
  await page.getByLabel('Caller', { exact: true }).selectOption('maria.garcia');
  await page.getByLabel('Topic').selectOption('printer');
  await page.getByLabel('Subject').fill('Printer in finance is offline');
  await page.getByLabel('Where is the printer?').fill('Finance, 2nd floor');
  await page.getByLabel('What is wrong?').selectOption('offline');
  await page.getByLabel('Description').fill('Caller says the display is dark.');
  await page.getByRole('button', { name: 'Log the call' }).click();
  await page.waitForURL(/\/tickets\/HD-\d+$/);
  await page.getByText('Ticket created (phone)').waitFor();
  await page.locator('.details').getByText('Maria Garcia').waitFor();
  // The agent wrote the description, for the caller.
  await page.locator('.message').first().getByText('logged a call from Maria Garcia').waitFor();
  await shot(page, '09-agent-logged-call-ticket');
});

test('an admin adds a topic with a choice field, and requesters can use it', async () => {
  const admin = await signIn('admin');
  await admin.getByRole('link', { name: 'Topics' }).click();
  await admin.getByRole('link', { name: 'New topic' }).click();
  await admin.getByLabel('Id').fill('badge');
  await admin.getByLabel('Name (English)').fill('Door badge');
  await admin.getByLabel('Name (Russian)').fill('Пропуск');
  await admin.getByRole('button', { name: 'Add field' }).click();
  await admin.getByLabel('Key').fill('building');
  await admin.getByLabel('Kind').selectOption('select');
  await admin.getByLabel('Label (English)').fill('Building');
  await admin.getByRole('button', { name: 'Add option' }).click();
  await admin.getByLabel('Option value 1').fill('hq');
  await admin.getByLabel('Label (en) 1').fill('Headquarters');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(/\/admin\/topics\/badge$/);
  // The editor now shows the stored topic.
  await admin.getByRole('heading', { name: 'Topic: badge' }).waitFor();
  assert.equal(await admin.getByLabel('Label (English)').inputValue(), 'Building');
  await admin.getByLabel('Name (English)').fill('Door badge or key card');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved.').waitFor();
  await shot(admin, '10-admin-topic');
  await admin.context().close();

  const page = state.anna;
  await page.goto(`${BASE}/new`);
  await page.getByLabel('Topic').selectOption('badge');
  await page.getByLabel('Building').selectOption('hq');
});

test('filing and following a ticket fetch no split-off page\'s code; each such page fetches its own chunk, once', async () => {
  // The WebAssembly modules a page fetches, by file name (scripts/build-frontend names them).
  const modules = (page) => {
    const names = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.endsWith('.wasm')) names.push(path.split('/').pop());
    });
    return names;
  };
  const requester = await newPage(await browser.newContext());
  pages.push(requester);
  const hers = modules(requester);
  await requester.goto(BASE + '/');
  await signInOn(requester, 'anna.petrova');
  for (const path of ['/my', '/new', `/tickets/${state.number}`]) {
    await requester.goto(BASE + path);
    await requester.locator('main :is(h1, h2)').first().waitFor();
  }
  assert.ok(hers.includes('main_bg.wasm'), `the app's module: ${hers}`);
  assert.deepEqual(hers.filter((name) => name !== 'main_bg.wasm'), [], 'no chunk of a split-off page');
  await requester.goto(BASE + '/kb');
  await requester.locator('main :is(h1, h2)').first().waitFor();
  assert.ok(hers.some((name) => name.startsWith('split___knowledge_base_view')), `the knowledge base's chunk: ${hers}`);

  const admin = await signIn('admin');
  const his = modules(admin);
  await admin.getByRole('link', { name: 'Topics' }).click();
  await admin.getByRole('heading', { name: 'Topics' }).waitFor();
  assert.ok(his.some((name) => name.startsWith('split___admin_topics_view')), `the topics page's chunk: ${his}`);
  assert.ok(!his.some((name) => name.startsWith('split___reports_view')), `not the reports' chunk: ${his}`);
  // Back on the topics page after another: its code is there already.
  const fetched = his.length;
  await admin.getByRole('link', { name: 'New topic' }).click();
  // The address changes once the page's code is there.
  await admin.waitForURL(/\/admin\/new-topic$/);
  await admin.goBack();
  await admin.getByRole('heading', { name: 'Topics' }).waitFor();
  assert.ok(his.slice(fetched).every((name) => !name.startsWith('split___admin_topics_view')), `fetched once: ${his}`);
  await admin.context().close();
});

test('a page\'s chunk that fails to download is fetched again; one that cannot be had reloads the page once a minute at most, then offers a reload', async () => {
  const page = await signIn('john.smith');
  let loads = 0;
  page.on('load', () => { loads += 1; });
  // Refuses the knowledge base's chunk `times` times, then serves it.
  const refuse = async (times) => {
    let refused = 0;
    await page.unrouteAll();
    await page.route('**/split___knowledge_base_view_*.wasm', (route) => (refused++ < times ? route.abort('failed') : route.continue()));
    return () => refused;
  };
  // Once: the loader fetches it again; no reload.
  let refused = await refuse(1);
  await page.getByRole('link', { name: 'Knowledge base' }).click();
  await page.getByRole('heading', { name: 'Knowledge base' }).waitFor();
  assert.equal(refused(), 2, 'refused once, then fetched');
  assert.equal(loads, 0, 'no reload');
  // Every try of a load: the page reloads where she was (the address changes only once the
  // page's code is there), with the current build, and the app works: the next click opens it.
  await page.goto(BASE + '/my');
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
  loads = 0;
  refused = await refuse(3);
  await page.getByRole('link', { name: 'Knowledge base' }).click();
  await page.waitForEvent('load');
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
  assert.equal(page.url(), BASE + '/my');
  await page.getByRole('link', { name: 'Knowledge base' }).click();
  await page.getByRole('heading', { name: 'Knowledge base' }).waitFor();
  assert.equal(loads, 1, 'one reload');
  assert.equal(refused(), 4, 'three tries refused, then fetched after the reload');
  // Still failing within the minute: no second reload (a network that stays down would make it
  // reload forever), but a notice that offers one.
  await page.unrouteAll();
  await page.route('**/split___notification_settings_view_*.wasm', (route) => route.abort('failed'));
  await page.getByRole('link', { name: 'Notifications' }).click();
  const notice = page.getByRole('alert').filter({ hasText: 'This page could not be loaded' });
  await notice.waitFor();
  assert.equal(loads, 1, 'no second reload');
  // The notice leaves the header's links usable: another page opens.
  await page.getByRole('link', { name: 'My tickets' }).click();
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
  await Promise.all([page.waitForEvent('load'), notice.getByRole('button', { name: 'Reload' }).click()]);
  assert.equal(loads, 2, 'reloaded from the notice');
  await page.context().close();
});

test('a page whose code is slow to arrive shows a loading bar until it is there', async () => {
  const page = await signIn('john.smith');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/split___knowledge_base_view_*.wasm', async (route) => { await held; await route.continue(); });
  await page.getByRole('link', { name: 'Knowledge base' }).click();
  // She stays on her page, which says the next one is coming.
  const bar = page.getByRole('progressbar', { name: 'Loading the page…' });
  await bar.waitFor();
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
  release();
  await page.getByRole('heading', { name: 'Knowledge base' }).waitFor();
  await bar.waitFor({ state: 'detached' });
  await page.context().close();
});

test('switching to Russian changes the UI and is remembered in the profile', async () => {
  const page = await signIn('john.smith');
  state.john = page;
  await page.getByRole('heading', { name: 'My tickets' }).waitFor();
  await chooseLanguage(page, 'ru');
  await page.getByRole('heading', { name: 'Мои заявки' }).waitFor();
  await page.getByRole('link', { name: 'Новая заявка' }).first().waitFor();
  await page.getByRole('columnheader', { name: 'Статус' }).waitFor();
  await shot(page, '11-requester-russian');
  await page.reload();
  await page.getByRole('heading', { name: 'Мои заявки' }).waitFor();
  // The call logged for him shows its form values in Russian.
  await page.getByRole('link', { name: /^HD-/ }).first().click();
  await page.getByText('Чтение', { exact: true }).waitFor();
  await shot(page, '12-requester-ticket-russian');
  // The choice is his profile's: it follows him to another browser.
  const elsewhere = await signIn('john.smith');
  await elsewhere.getByRole('heading', { name: 'Мои заявки' }).waitFor();
  await elsewhere.context().close();
  // Anna chose English over her profile's Russian, and keeps it.
  await state.anna.reload();
  await state.anna.getByRole('link', { name: 'My tickets' }).waitFor();
});

test('the keyboard reaches the skip link first, and no page threw or broke the CSP', async () => {
  const page = state.ivan;
  await page.goto(`${BASE}/queue`);
  await page.getByRole('heading', { name: 'Queue' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
  for (const p of pages) assert.deepEqual(p.errors, [], p.url());
});
