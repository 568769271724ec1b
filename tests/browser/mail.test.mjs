// E-mail intake, in the UI. Messages reach the runner as SES delivers them in AWS: an object under
// `inbound/` in the files bucket (here a plain PUT to moto), whose S3 event the runner hands to
// the mail-intake function. An admin sees what the intake could not take, with its reason, and
// hands it over again; the ticket page says what came by mail (the sender's address, an automatic
// reply, quoted text cut), signs the helpdesk's own notes "Mail intake", and shows staff (only)
// the ticket a stranger's subject named; a user's page warns when mail to their address bounced.
// A message's HTML (sanitised by the intake) shows formatted, its own images from their files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BASE, launch, signInEnglish, chooseLanguage, shot, api } from './support.mjs';

let browser;
const pages = [];

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signIn(username) {
  const page = await signInEnglish(browser, username);
  pages.push(page);
  return page;
}

/** Waits until `probe` answers something truthy (polled); that answer. */
async function eventually(probe, what, seconds = 30) {
  for (let i = 0; i < seconds * 4; i += 1) {
    const found = await probe();
    if (found) return found;
    await new Promise((done) => setTimeout(done, 250));
  }
  assert.fail(`not within ${seconds} s: ${what}`);
}

/** The files bucket the runner uses and where it is, as its upload grants name them
 *  (`HELPDESK_FILES_BUCKET` and `AWS_ENDPOINT_URL` override). */
async function filesBucket(page) {
  if (process.env.HELPDESK_FILES_BUCKET) {
    return { origin: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000', bucket: process.env.HELPDESK_FILES_BUCKET };
  }
  const grant = await api(page, 'POST', '/api/uploads', { file_name: 'probe.txt', size: 1, content_type: 'text/plain' });
  const url = new URL(grant.url);
  const [first] = url.pathname.split('/').filter(Boolean);
  // Path style locally (`/<bucket>/uploads/<id>`); a bucket host otherwise.
  return first === 'uploads'
    ? { origin: `${url.protocol}//${url.host.split('.').slice(1).join('.')}`, bucket: url.hostname.split('.')[0] }
    : { origin: url.origin, bucket: first };
}

/** Stores `raw` as a received message, where SES would put it. */
async function deliver(page, raw) {
  const { origin, bucket } = await filesBucket(page);
  const key = `inbound/browser-test-${Date.now()}-${randomBytes(4).toString('hex')}`;
  const stored = await page.request.put(`${origin}/${bucket}/${key}`, { data: raw, headers: { 'content-type': 'message/rfc822' } });
  assert.ok(stored.ok(), `PUT ${key}: ${stored.status()} ${await stored.text()}`);
  return key;
}

/** A message as a mail client sends it; `headers` as name → value, lines joined with CRLF. */
const message = (headers, body) =>
  Buffer.from([...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));

/** The rejected message that `match(record)` picks, if listed. */
const rejected = async (admin, match) => (await api(admin, 'GET', '/api/mail/rejected')).items.find(match);
const waitForRejected = (admin, key) =>
  eventually(() => rejected(admin, (m) => m.object_key === key), `${key} is listed as rejected (the runner hands inbound/ objects to the mail intake)`);

test('an admin sees rejected mail with its reason and hands a message to the intake again', async () => {
  const admin = await signIn('admin');
  const stamp = Date.now();
  const subject = `Printer on fire ${stamp}`;
  // Not a message at all, and one without a sender: neither can become a ticket.
  const garbage = await deliver(admin, randomBytes(300));
  const anonymous = await deliver(admin, message({
    To: 'support@helpdesk.localhost', Subject: subject, Date: new Date().toUTCString(), 'Message-ID': `<no-sender-${stamp}@example.org>`,
  }, 'Nobody signed this.'));
  const kept = await waitForRejected(admin, anonymous);
  assert.equal(kept.reason, 'no_sender');
  assert.equal(kept.attempts, 1);
  assert.equal((await waitForRejected(admin, garbage)).reason, 'unreadable');

  await admin.getByRole('navigation').getByRole('link', { name: 'Rejected mail' }).click();
  await admin.getByRole('heading', { name: 'Rejected mail' }).waitFor();
  assert.equal(new URL(admin.url()).pathname, '/admin/mail');
  const row = admin.getByRole('row').filter({ hasText: subject });
  await row.waitFor();
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.equal(cells[1], 'No sender address');
  assert.equal(cells[2], 'the message has no From address');
  assert.equal(cells[3], '—', 'no sender to show');
  assert.equal(cells[5], '1');
  assert.match(cells[0], /\d{4}/, 'the time it came, as a date');
  assert.ok(await admin.getByRole('row').filter({ hasText: 'not an e-mail message' }).getByText('Not readable as an e-mail').count() >= 1);
  await shot(admin, 'mail-rejected');

  const retry = row.getByRole('button', { name: `Try again: ${subject}` });
  await retry.click();
  await admin.getByRole('status').getByText(`Handed to the mail intake again: ${subject}.`).waitFor();
  assert.equal(await retry.isDisabled(), true, 'no second retry while the first is under way');
  // The intake takes the copy again and refuses it again: one more attempt, same message.
  await eventually(async () => (await rejected(admin, (m) => m.id === kept.id))?.attempts === 2, 'the retry is recorded as a second attempt');
  await eventually(() => retry.isEnabled(), 'the button is offered again once the list is read again', 10);
  await admin.reload();
  await eventually(async () => (await row.getByRole('cell').nth(5).innerText()) === '2', 'the row shows the second attempt', 10);
  await shot(admin, 'mail-rejected-retried');

  // In Russian, the labels follow.
  await chooseLanguage(admin, 'ru');
  await admin.getByRole('heading', { name: 'Отклонённые письма' }).waitFor();
  await row.getByText('Нет адреса отправителя').waitFor();
  await chooseLanguage(admin, 'en');
});

test('what came by mail says so on the ticket; the follow-up number is for staff only; the intake signs its notes', async () => {
  const anna = await signIn('anna.petrova');
  const older = (await api(anna, 'POST', '/api/tickets', {
    topic: 'printer', subject: 'Printer jams on the 3rd floor', description: 'Filed by the mail browser test.',
    fields: { location: 'Room 301', problem: 'jam' },
  })).ticket.number;
  const stamp = Date.now();
  const first = `<first-${stamp}@example.org>`;
  // Maria is not on Anna's ticket: her mail naming it makes a new ticket, marked as a possible
  // follow-up; the quoted history is cut from the text.
  await deliver(anna, message({
    From: 'Maria Garcia <maria.garcia@example.org>', To: 'support@helpdesk.localhost', Subject: `Re: [${older}] Printer jams ${stamp}`,
    Date: new Date().toUTCString(), 'Message-ID': first,
  }, `The printer in room 301 jams for me too.\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Anna Petrova wrote:\r\n> The printer jams.\r\n`));
  const maria = await signIn('maria.garcia');
  const mine = await eventually(async () => (await api(maria, 'GET', '/api/my/tickets')).items.find((t) => t.subject.includes(String(stamp))),
    'the mail became a ticket of Maria (the runner hands inbound/ objects to the mail intake)');
  const number = mine.number;
  // Her out-of-office answers it (a public reply, never answered); John, not on it, writes too (a note).
  await deliver(anna, message({
    From: 'maria.garcia@example.org', To: 'support@helpdesk.localhost', Subject: `Out of office: [${number}]`, 'In-Reply-To': first,
    'Auto-Submitted': 'auto-replied', Date: new Date().toUTCString(), 'Message-ID': `<away-${stamp}@example.org>`,
  }, 'I am away until Monday.'));
  await deliver(anna, message({
    From: 'john.smith@example.org', To: 'support@helpdesk.localhost', Subject: `Re: [${number}] Printer jams`, 'In-Reply-To': first,
    Date: new Date().toUTCString(), 'Message-ID': `<john-${stamp}@example.org>`,
  }, 'Mine too, in room 305.'));
  const ivan = await signIn('ivan.sidorov');
  await eventually(async () => {
    const kinds = (await api(ivan, 'GET', `/api/tickets/${number}`)).events.map((e) => e.kind.type);
    return kinds.includes('internal_note') && kinds.includes('public_reply');
  }, 'the auto-reply and the stranger\'s note are on the ticket');

  await ivan.goto(`${BASE}/tickets/${number}`);
  const messages = ivan.locator('.messages article');
  const description = messages.first();
  await description.getByText('by e-mail from maria.garcia@example.org').waitFor();
  await description.getByText('quoted text hidden — the whole message is attached as message.eml').waitFor();
  assert.equal(await description.getByText('Anna Petrova wrote').count(), 0, 'the quoted history is not shown');
  const link = description.getByRole('link', { name: older });
  assert.equal(await link.getAttribute('href'), `/tickets/${older}`);
  assert.match(await description.locator('.mail-note', { has: ivan.getByRole('link', { name: older }) }).innerText(), new RegExp(`^possibly a follow-up of ${older}$`));
  const away = messages.filter({ hasText: 'I am away until Monday.' });
  const badge = away.getByText('automatic reply', { exact: true });
  assert.match(await badge.getAttribute('title'), /never answered/);
  const note = messages.filter({ hasText: 'Mine too, in room 305.' });
  assert.equal(await note.locator('header strong').innerText(), 'Mail intake');
  await note.getByText('by e-mail from john.smith@example.org').waitFor();
  await shot(ivan, 'mail-ticket-staff');
  await chooseLanguage(ivan, 'ru');
  await note.locator('header strong').getByText('Приём почты').waitFor();
  await description.getByText(`возможно, продолжение заявки ${older}`).waitFor();
  await chooseLanguage(ivan, 'en');
  await link.click();
  await ivan.getByRole('heading', { name: new RegExp(`^${older} `) }).waitFor();

  // Maria sees where her message came from, not the other ticket's number, nor the note.
  await maria.goto(`${BASE}/tickets/${number}`);
  const hers = maria.locator('.messages article').first();
  await hers.getByText('by e-mail from maria.garcia@example.org').waitFor();
  await hers.getByText('quoted text hidden').waitFor();
  await maria.getByText('I am away until Monday.').waitFor();
  assert.equal(await maria.getByText('possibly a follow-up').count(), 0);
  assert.equal(await maria.getByRole('link', { name: older }).count(), 0);
  assert.equal(await maria.getByText('Mine too, in room 305.').count(), 0);
  await shot(maria, 'mail-ticket-requester');

});

/** A 16×16 PNG, as a mail client embeds a screenshot. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAATElEQVR42pXCIRZAAABEwT2J/LMsy7Isy7Isy7LsEHssZ/jzJh1QU1DTETWdUNMZNV1Q0xU13VDTHTU9UNMTNb1Q0xs1fVDTFzX9UH9bKFkQhPbffQAAAABJRU5ErkJggg==';

/** An HTML message with its plain-text alternative and, when `image` names a Content-ID, that
 *  PNG inline (multipart/related), as mail clients send a pasted screenshot. */
const htmlMessage = (headers, text, html, image) => {
  const alternative = [
    'Content-Type: multipart/alternative; boundary="alt"', '',
    '--alt', 'Content-Type: text/plain; charset=utf-8', '', text,
    '--alt', 'Content-Type: text/html; charset=utf-8', '', html,
    '--alt--', '',
  ];
  const body = image ? [
    'Content-Type: multipart/related; boundary="rel"; type="multipart/alternative"', '',
    '--rel', ...alternative,
    '--rel', 'Content-Type: image/png; name="screenshot.png"', 'Content-Transfer-Encoding: base64', `Content-ID: <${image}>`,
    'Content-Disposition: inline; filename="screenshot.png"', '', PNG,
    '--rel--', '',
  ] : alternative;
  return Buffer.from([...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'MIME-Version: 1.0', ...body].join('\r\n'));
};

test('a message\'s HTML shows formatted, its inline image from the stored file, with the plain text a click away', async () => {
  const anna = await signIn('anna.petrova');
  const stamp = Date.now();
  const first = `<html-${stamp}@example.org>`;
  const cid = `shot-${stamp}@example.org`;
  // What the intake must never let through: a script, a handler.
  await deliver(anna, htmlMessage({
    From: 'Maria Garcia <maria.garcia@example.org>', To: 'support@helpdesk.localhost', Subject: `Screen goes dark ${stamp}`,
    Date: new Date().toUTCString(), 'Message-ID': first,
  }, 'Hello, my screen goes dark, as plain text.\r\n',
  `<p onclick="window.__clicked = 1">Hello, my screen goes <b>dark</b>:</p><p><img src="cid:${cid}" alt="screenshot" width="16" height="16"></p>`
    + '<script>window.__pwned = 1</script><table><tr><td>Model</td><td>X1</td></tr></table>', cid));
  const maria = await signIn('maria.garcia');
  const mine = await eventually(async () => (await api(maria, 'GET', '/api/my/tickets')).items.find((t) => t.subject.includes(String(stamp))),
    'the HTML mail became a ticket of Maria');
  const number = mine.number;
  const created = (await api(maria, 'GET', `/api/tickets/${number}`)).events.find((e) => e.kind.type === 'created');
  assert.match(created.kind.mail.html, /src="attachment:/, 'the intake kept the HTML with its image pointed at the stored file');
  // Her answer by mail quotes her first message: it opens as its text, the quote cut, as the
  // note under it says; formatted, on request, it is all there. Each message has its own toggle.
  await deliver(anna, htmlMessage({
    From: 'maria.garcia@example.org', To: 'support@helpdesk.localhost', Subject: `Re: [${number}] Screen goes dark`, 'In-Reply-To': first,
    Date: new Date().toUTCString(), 'Message-ID': `<html-reply-${stamp}@example.org>`,
  }, 'It happens after lunch, as plain text.\r\n\r\nOn Mon, 1 Dec 2026 at 09:00, Maria Garcia wrote:\r\n> Hello, my screen goes dark.\r\n',
  '<p>It happens <i>after lunch</i>.</p><div>On Mon, 1 Dec 2026 at 09:00, Maria Garcia wrote:<blockquote>Hello, my screen goes dark.</blockquote></div>'));
  await eventually(async () => (await api(maria, 'GET', `/api/tickets/${number}`)).events.some((e) => e.kind.type === 'public_reply'),
    'the HTML reply is on the ticket');

  // No image may be asked for by its `attachment:` address (nor would the policy allow it).
  const asked = [];
  maria.on('request', (r) => asked.push(r.url()));
  await maria.goto(`${BASE}/tickets/${number}`);
  const description = maria.locator('.messages article').first();
  const formatted = description.locator('.mail-html');
  await formatted.locator('b', { hasText: 'dark' }).waitFor();
  assert.equal(await formatted.locator('script').count(), 0, 'no script in the message');
  assert.equal(await formatted.locator('[onclick]').count(), 0, 'no handler in the message');
  await formatted.locator('p', { hasText: 'Hello, my screen goes' }).click();
  assert.equal(await maria.evaluate(() => [window.__pwned, window.__clicked].join()), ',', 'neither the script nor the handler ran');
  const image = formatted.getByRole('img', { name: 'screenshot' });
  const src = await eventually(async () => {
    const value = await image.getAttribute('src');
    return value && /^https?:\/\//.test(value) && value;
  }, 'the inline image points at its file');
  assert.ok(!src.includes('attachment:'), src);
  await eventually(() => image.evaluate((img) => img.complete && img.naturalWidth === 16), 'the inline image is shown');
  assert.deepEqual(asked.filter((url) => url.startsWith('attachment:')), []);
  assert.equal(await formatted.locator('table td', { hasText: 'X1' }).count(), 1);
  const text = description.locator('p.body');
  assert.equal(await text.isVisible(), false, 'the plain text is there, hidden');
  const reply = maria.locator('.messages article').filter({ has: maria.locator('.mail-html i') });
  await reply.locator('p.body').getByText('It happens after lunch, as plain text.').waitFor();
  await reply.getByText('quoted text hidden').waitFor();
  assert.equal(await reply.locator('.mail-html').isVisible(), false, 'the reply opens as its text, the quote cut');
  assert.equal(await reply.locator('p.body').innerText(), 'It happens after lunch, as plain text.');
  await shot(maria, 'mail-html');

  await description.getByRole('button', { name: 'Show as plain text' }).click();
  await text.getByText('Hello, my screen goes dark, as plain text.').waitFor();
  assert.equal(await formatted.isVisible(), false);
  await reply.getByRole('button', { name: 'Show formatted' }).click();
  await reply.locator('.mail-html blockquote').getByText('Hello, my screen goes dark.').waitFor();
  await reply.getByRole('button', { name: 'Show as plain text' }).waitFor();
  assert.equal(await formatted.isVisible(), false, 'the other message stays as it was');
  await chooseLanguage(maria, 'ru');
  await description.getByRole('button', { name: 'Показать с оформлением' }).click();
  await formatted.locator('b', { hasText: 'dark' }).waitFor();
  assert.equal(await text.isVisible(), false);
  await description.getByRole('button', { name: 'Показать простым текстом' }).waitFor();
  await chooseLanguage(maria, 'en');
  assert.deepEqual(maria.errors, [], 'no error, no policy violation');
});

/** A delivery failure report for mail to `address`, as a mail server sends it. */
const bounceFor = (address, stamp) => Buffer.from([
  'From: MAILER-DAEMON@mx.example.net', 'To: support@helpdesk.localhost', 'Subject: Delivery Status Notification (Failure)',
  `Message-ID: <bounce-${stamp}@mx.example.net>`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', '',
  '--b', 'Content-Type: text/plain', '', `Mail to ${address} could not be delivered.`, '',
  '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.example.net', '',
  `Final-Recipient: rfc822; ${address}`, 'Action: failed', 'Status: 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 user unknown', '',
  '--b--', '',
].join('\r\n'));

test('a user\'s page warns that mail to their address bounced, until the address changes', async () => {
  const admin = await signIn('admin');
  const stamp = Date.now();
  const address = `mail.bounce.${stamp}@example.org`;
  const person = async () => (await api(admin, 'GET', `/api/users?q=${stamp}`)).items[0];
  // Their first message makes them a requester; mail to them then bounces.
  await deliver(admin, message({
    From: address, To: 'support@helpdesk.localhost', Subject: `Hello ${stamp}`, Date: new Date().toUTCString(), 'Message-ID': `<hello-${stamp}@example.org>`,
  }, 'Hello, my monitor flickers.'));
  const user = await eventually(person, 'the sender became a requester');
  await deliver(admin, bounceFor(address, stamp));
  await eventually(async () => (await person())?.mail_bounced_at, 'the bounce marks the address');

  await admin.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
  await admin.getByLabel('Search by id or name').fill(String(stamp));
  await admin.getByRole('button', { name: user.id, exact: true }).click();
  const warning = admin.getByText(/^Mail to this address bounced on .*\d{4}.*; nothing is mailed there until the address changes\.$/);
  await warning.waitFor();
  await shot(admin, 'mail-user-bounced');
  // A new address is worth a try: saved, the warning goes.
  await admin.getByLabel('Email', { exact: true }).fill(`mail.fixed.${stamp}@example.org`);
  await admin.getByRole('button', { name: 'Save', exact: true }).click();
  await admin.getByText('Saved.').waitFor();
  assert.equal(await warning.count(), 0);
  assert.equal((await person()).mail_bounced_at, undefined);

  for (const p of pages) assert.deepEqual(p.errors, [], p.url());
});
