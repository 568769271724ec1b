// The SLA admin pages in headless Chromium against the local runner (scripts/browser-test):
// an admin creates a business calendar with holidays, sees the server's problems with a time zone
// and with overlapping hours at their inputs, fixes them and saves; creates a plan for high
// priority "Other question" tickets in that calendar, with a broken and an out-of-range target
// refused at their inputs, and reads the preview's due times; a requester files such a ticket and
// the ticket page shows the due times the preview promised. A stale save offers a reload, and the
// pages speak Russian.
//
// The calendar is closed today and tomorrow (holidays, in its zone), so a ticket filed a few
// seconds after the preview was read starts its clocks at the same opening, and both times agree
// to the minute whenever the test runs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, signIn, chooseLanguage, shot, api } from './support.mjs';

const ZONE = 'Europe/Berlin';
const CALENDAR = 'test-office';
const PLAN = 'test-general-high';

let browser;
const pages = [];
const state = {};

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A signed-in page in English whose browser runs in Berlin time (the times shown are Berlin's). */
async function signInEnglish(username) {
  const page = await signIn(browser, username, undefined, ZONE);
  pages.push(page);
  await chooseLanguage(page, 'en');
  return page;
}

/** A date `days` from today in the calendar's zone, as a date input takes it. */
function zoneDate(days) {
  const at = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

const errorOf = (page, id) => page.locator(`#${id}-error`);

test('an admin creates a calendar with holidays; a bad zone and overlapping hours are shown at their fields', async () => {
  const admin = await signInEnglish('admin');
  state.admin = admin;
  await admin.getByRole('link', { name: 'Service levels' }).click();
  await admin.getByRole('heading', { name: 'Service levels', level: 1 }).waitFor();
  // The demo's plans, in the order they are tried.
  await admin.getByRole('link', { name: 'Standard, office hours' }).waitFor();
  const plans = await admin.locator('section[aria-labelledby=sla-plans] tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(plans, ['1', '100']);
  await admin.getByRole('link', { name: 'New calendar' }).click();
  await admin.getByRole('heading', { name: 'New calendar' }).waitFor();

  await admin.getByLabel('Id', { exact: true }).fill(CALENDAR);
  await admin.getByLabel('Name', { exact: true }).fill('Test office (Berlin)');
  await admin.getByLabel('Time zone').fill('Mars/Olympus');
  // A new calendar starts with office hours on weekdays; Monday gets hours that overlap them.
  const monday = admin.getByRole('group', { name: 'Monday' });
  assert.equal(await monday.getByLabel('Opens').first().inputValue(), '09:00');
  await monday.getByRole('button', { name: 'Add hours' }).click();
  await monday.getByLabel('Opens').nth(1).fill('12:00');
  await monday.getByLabel('Closes').nth(1).fill('18:00');
  for (const [n, date, name] of [[1, zoneDate(0), 'Staff outing'], [2, zoneDate(1), 'Inventory day']]) {
    await admin.getByRole('button', { name: 'Add holiday' }).click();
    await admin.getByLabel(`Holiday ${n}, date`, { exact: true }).fill(date);
    await admin.getByLabel(`Holiday ${n}, name`, { exact: true }).fill(name);
  }
  await admin.getByRole('button', { name: 'Save' }).click();

  // The server refuses both; each problem shows beneath its input, and the summary names them.
  await errorOf(admin, 'cal-zone').getByText('Enter a time zone by its name, such as Europe/Berlin.').waitFor();
  assert.equal(await admin.getByLabel('Time zone').getAttribute('aria-invalid'), 'true');
  await errorOf(admin, 'cal-mon-1').getByText('These hours overlap other hours of the same day.').waitFor();
  assert.equal(await monday.getByLabel('Opens').nth(1).getAttribute('aria-invalid'), 'true');
  assert.equal(await monday.getByLabel('Opens').first().getAttribute('aria-invalid'), 'false');
  const summary = admin.getByRole('alert').filter({ hasText: 'Please correct the marked fields.' });
  await summary.getByText('Time zone: Enter a time zone by its name').waitFor();
  await summary.getByText('Monday, hours 2: These hours overlap').waitFor();
  await shot(admin, '40-sla-calendar-errors');

  // A closing time before the opening is told apart from an overlap.
  await monday.getByLabel('Closes').nth(1).fill('11:00');
  await admin.getByRole('button', { name: 'Save' }).click();
  await errorOf(admin, 'cal-mon-1').getByText('The closing time must be after the opening time').waitFor();

  await admin.getByLabel('Time zone').fill(ZONE);
  await monday.getByLabel('Opens').nth(1).fill('17:00');
  await monday.getByLabel('Closes').nth(1).fill('18:00');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(new RegExp(`/admin/sla/calendars/${CALENDAR}$`));
  await admin.getByRole('heading', { name: `Business calendar: ${CALENDAR}` }).waitFor();
  assert.equal(await admin.getByLabel('Holiday 2, date', { exact: true }).inputValue(), zoneDate(1));
  assert.equal(await admin.getByLabel('Holiday 2, name', { exact: true }).inputValue(), 'Inventory day');

  const stored = await api(admin, 'GET', `/api/sla/calendars/${CALENDAR}`);
  assert.equal(stored.time_zone, ZONE);
  assert.deepEqual(stored.hours.mon, [{ start: '09:00:00', end: '17:00:00' }, { start: '17:00:00', end: '18:00:00' }]);
  assert.deepEqual(stored.holidays, [{ date: zoneDate(0), name: 'Staff outing' }, { date: zoneDate(1), name: 'Inventory day' }]);
  await shot(admin, '41-sla-calendar-saved');
});

test('an admin creates a plan in that calendar; bad targets are refused at their inputs; the preview gives the due times', async () => {
  const admin = state.admin;
  await admin.getByRole('link', { name: '← All plans and calendars' }).click();
  await admin.getByRole('link', { name: 'New plan' }).click();
  await admin.getByRole('heading', { name: 'New plan' }).waitFor();
  await admin.getByLabel('Id', { exact: true }).fill(PLAN);
  await admin.getByLabel('Name', { exact: true }).fill('Other questions, high, test office');
  await admin.getByLabel('Precedence').fill('5');
  await admin.getByLabel('Business calendar').selectOption(CALENDAR);
  await admin.getByRole('group', { name: 'Priorities' }).getByLabel('High').check();
  await admin.getByRole('group', { name: 'Topics' }).getByLabel('Other question').check();
  const high = admin.getByRole('group', { name: 'High', exact: true });
  const firstResponse = high.getByLabel('First response');

  // A negative number never leaves the browser: it is refused at its input.
  let sent = 0;
  admin.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/sla/plans')) sent += 1; });
  await firstResponse.fill('-30');
  await admin.getByRole('button', { name: 'Save' }).click();
  await errorOf(admin, 'plan-high-first_response_minutes').getByText('Enter from 1 minute to 10 years').waitFor();
  assert.equal(await firstResponse.getAttribute('aria-invalid'), 'true');
  assert.equal(sent, 0);
  // Zero is sent, and the server's refusal lands at the same input.
  await firstResponse.fill('0');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('alert').getByText('High: First response: Enter from 1 minute to 10 years').waitFor();
  assert.equal(sent, 1);
  assert.equal(await firstResponse.getAttribute('aria-invalid'), 'true');

  await firstResponse.fill('90');
  await admin.locator('#plan-high-first_response_minutes-hint').getByText('= 1 h 30 min').waitFor();
  await high.getByLabel('Resolution').fill('480');
  await admin.getByLabel('Warning', { exact: true }).selectOption('percent');
  await admin.getByLabel('Percent of the target').fill('25');

  // The preview: a high "Other question" ticket filed now, under the plan as typed.
  await admin.getByLabel('Priority', { exact: true }).selectOption('high');
  await admin.locator('#preview-topic').selectOption('general');
  const preview = admin.locator('#sla-preview');
  await preview.getByText('A High priority ticket about “Other question” filed now').waitFor();
  state.firstResponse = await preview.locator('[data-target=first_response] time').innerText();
  state.resolution = await preview.locator('[data-target=resolution] time').innerText();
  assert.equal(await preview.locator('[data-target=deadline]').count(), 0, 'no deadline was set');
  assert.equal(await preview.locator('.warning').count(), 0, 'this plan is the one such a ticket gets');
  // Closed today and tomorrow: nothing falls due before the day after tomorrow.
  assert.notEqual(state.firstResponse, state.resolution);
  await shot(admin, '42-sla-plan-preview');

  // Another topic is not this plan's: the preview says so.
  await admin.locator('#preview-topic').selectOption('printer');
  await preview.getByText("Such a ticket does not meet this plan's conditions.").waitFor();
  await admin.locator('#preview-topic').selectOption('general');

  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(new RegExp(`/admin/sla/plans/${PLAN}$`));
  await admin.getByRole('heading', { name: `SLA plan: ${PLAN}` }).waitFor();
  const stored = await api(admin, 'GET', `/api/sla/plans/${PLAN}`);
  assert.deepEqual(stored.conditions, { priorities: ['high'], topics: ['general'], groups: [] });
  assert.deepEqual(stored.targets, { high: { first_response_minutes: 90, resolution_minutes: 480 } });
  assert.deepEqual(stored.warning, { percent: 25 });
  await admin.getByRole('link', { name: '← All plans and calendars' }).click();
  await admin.getByRole('link', { name: 'Other questions, high, test office' }).waitFor();
  const rows = await admin.locator('section[aria-labelledby=sla-plans] tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(rows, ['1', '5', '100']);
  await shot(admin, '42a-sla-overview');
});

test('a requester files such a ticket and its page shows the due times the preview promised', async () => {
  const john = await signInEnglish('john.smith');
  await john.getByRole('link', { name: 'New ticket' }).first().click();
  await john.getByLabel('Topic').selectOption('general');
  await john.getByLabel('Priority').selectOption('high');
  await john.getByLabel('Subject').fill('The shared calendar will not sync');
  await john.getByLabel('Description').fill('Filed by the SLA browser test.');
  await john.getByRole('button', { name: 'Submit ticket' }).click();
  await john.waitForURL(/\/tickets\/HD-\d+$/);
  const number = john.url().split('/').pop();

  // Staff see the clocks: the admin opens the ticket.
  const admin = state.admin;
  await admin.goto(`${BASE}/tickets/${number}`);
  const sla = admin.locator('section.sla');
  await sla.getByRole('heading', { name: 'Service level' }).waitFor();
  await sla.locator('li', { hasText: 'First response' }).getByText(`due ${state.firstResponse}`).waitFor();
  await sla.locator('li', { hasText: 'Resolution' }).getByText(`due ${state.resolution}`).waitFor();
  await shot(admin, '43-sla-ticket-due');
});

test('a save over a newer version says so and offers a reload', async () => {
  const admin = state.admin;
  await admin.goto(`${BASE}/admin/sla/plans/${PLAN}`);
  await admin.getByRole('heading', { name: `SLA plan: ${PLAN}` }).waitFor();
  // Someone else saves the plan meanwhile.
  const current = await api(admin, 'GET', `/api/sla/plans/${PLAN}`);
  const { id, version, ...rest } = current;
  await api(admin, 'PUT', `/api/sla/plans/${PLAN}`, { ...rest, version, name: 'Renamed elsewhere' });
  await admin.getByLabel('Name', { exact: true }).fill('My rename');
  await admin.getByRole('button', { name: 'Save' }).click();
  const conflict = admin.getByRole('alert').filter({ hasText: 'Someone changed this meanwhile' });
  await conflict.waitFor();
  await shot(admin, '44-sla-plan-conflict');
  await conflict.getByRole('button', { name: 'Reload' }).click();
  await admin.waitForFunction(() => document.querySelector('#plan-name')?.value === 'Renamed elsewhere');
  assert.equal(await conflict.count(), 0);
  await admin.getByLabel('Name', { exact: true }).fill('Other questions, high, test office');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved.').waitFor();
});

test('the SLA pages speak Russian', async () => {
  const admin = state.admin;
  await chooseLanguage(admin, 'ru');
  await admin.getByRole('link', { name: 'Уровни сервиса' }).click();
  await admin.getByRole('heading', { name: 'Уровни сервиса', level: 1 }).waitFor();
  await admin.getByRole('heading', { name: 'Планы SLA' }).waitFor();
  await admin.getByRole('heading', { name: 'Рабочие календари' }).waitFor();
  await admin.getByRole('link', { name: CALENDAR }).click();
  await admin.getByLabel('Часовой пояс').waitFor();
  await admin.getByRole('group', { name: 'Понедельник' }).getByLabel('Открытие').first().waitFor();
  await admin.getByLabel('Праздник 1, дата', { exact: true }).waitFor();
  assert.equal(await admin.getByLabel('Праздник 1, название', { exact: true }).inputValue(), 'Staff outing');
  await admin.getByRole('radio', { name: 'Круглосуточно (24×7)' }).waitFor();
  await shot(admin, '45-sla-calendar-russian');
  await admin.goto(`${BASE}/admin/sla/plans/${PLAN}`);
  await admin.getByRole('heading', { name: 'Предпросмотр' }).waitFor();
  await admin.getByRole('group', { name: 'Высокий', exact: true }).getByLabel('Первый ответ').waitFor();
  await admin.getByLabel('Порядок').waitFor();
  await admin.locator('#sla-preview').getByText('Заявка с приоритетом «Высокий»').waitFor();
  await shot(admin, '46-sla-plan-russian');
  await chooseLanguage(admin, 'en');
});

test('no SLA page threw or broke the CSP', async () => {
  for (const p of pages) assert.deepEqual(p.errors, [], p.url());
});
