// Attachments in a real headless Chromium against the local runner (scripts/browser-test serves it
// with the local S3 and its upload events): a requester pastes a screenshot into the new-ticket
// form, sees its preview and its upload run to the end, while a file over the limit is stopped at
// the file and never sent, and a file whose bytes are not what its name says is refused by the
// server at the file; she files the ticket with the screenshot. An agent (whose profile speaks
// Russian) is stopped at a file over the limit in Russian, sees the thumbnail and opens the image
// (the link answers with the very bytes), and attaches a log to an internal note with the file
// picker, which the requester never sees. The requester records her screen (the clock runs, the
// same button stops it, the capture itself ends, a double click starts one capture, leaving the
// page ends it) and the video goes with her reply; where a browser cannot record the screen, no
// button offers it. A 180-character file name wraps on a phone; a note's box stays on a note. Screenshots of each step go to tests/artifacts/browser/.
// Every profile ends as the other browser tests expect it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, shot, chooseLanguage, signIn as signInWith, signInOn, PNG_BASE64 } from './support.mjs';

const PNG = Buffer.from(PNG_BASE64, 'base64');

let browser;
const state = {};
const pages = [];

before(async () => { browser = await launch(); });

after(async () => { await browser?.close(); });

async function signIn(username, viewport) {
  const page = await signInWith(browser, username, viewport);
  pages.push(page);
  return page;
}

/** Pastes files into whatever has the focus, as Ctrl+V with files on the clipboard does. Each file
 *  is `{ name, type, base64 }` or `{ name, type, size }` (that many zero bytes, built in the page). */
async function paste(page, files) {
  await page.evaluate((files) => {
    const data = new DataTransfer();
    for (const f of files) {
      const bytes = f.base64 ? Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)) : new Uint8Array(f.size);
      data.items.add(new File([bytes], f.name, { type: f.type }));
    }
    const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    (document.activeElement ?? document.body).dispatchEvent(event);
  }, files);
}

/** What the page sends to the upload API and to the file store. */
function traffic(page) {
  const seen = { grants: [], puts: [], tickets: [] };
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/uploads')) seen.grants.push(JSON.parse(r.postData() ?? '{}'));
    if (r.method() === 'PUT') seen.puts.push(r.url());
    if (r.method() === 'POST' && r.url().endsWith('/api/tickets')) seen.tickets.push(JSON.parse(r.postData() ?? '{}'));
  });
  return seen;
}

/** The listed file of that name. */
const file = (page, name) => page.locator('.attach li').filter({ has: page.getByText(name, { exact: true }) });

test('a requester pastes a screenshot into a new ticket; a file over the limit stops at the file', async () => {
  const page = await signIn('maria.garcia', { width: 390, height: 844 });
  state.maria = page;
  const seen = traffic(page);
  await page.getByRole('link', { name: 'New ticket' }).first().click();
  await page.getByLabel('Topic').selectOption('printer');
  await page.getByLabel('Description').focus();
  await paste(page, [{ name: 'huge.png', type: 'image/png', size: 26 * 1024 * 1024 }]);
  const huge = file(page, 'huge.png');
  await huge.getByText('This file is larger than 25 MB.').waitFor();
  // The problem is linked to the file's remove button, and nothing was asked for or sent.
  const remove = page.getByRole('button', { name: 'Remove huge.png' });
  const described = await remove.getAttribute('aria-describedby');
  assert.match(await page.locator(`[id="${described}"]`).innerText(), /larger than 25 MB/);
  assert.equal(await huge.getByRole('progressbar').isVisible(), false);
  assert.deepEqual(seen.grants, []);
  assert.deepEqual(seen.puts, []);
  // The form waits until the file is gone.
  await page.getByText('Remove the files that could not be attached.').waitFor();
  assert.ok(await page.getByRole('button', { name: 'Submit ticket' }).isDisabled());
  await shot(page, '20-attachment-too-large');
  await remove.click();
  assert.equal(await huge.count(), 0);

  await page.getByLabel('Subject').fill('Printer shows an error code');
  await page.getByLabel('Where is the printer?').fill('4th floor, by the kitchen');
  await page.getByLabel('What is wrong?').selectOption('offline');
  await page.getByLabel('Description').fill('The display shows this:');
  await page.getByLabel('Description').focus();
  await paste(page, [{ name: 'image.png', type: 'image/png', base64: PNG.toString('base64') }]);
  const pasted = file(page, 'image.png');
  // Its preview (from the browser's copy, not the server's), its size, its progress to the end.
  const preview = pasted.locator('img.preview');
  await preview.waitFor();
  assert.match(await preview.getAttribute('src'), /^blob:/);
  await pasted.getByText('1 KB').waitFor();
  const progress = pasted.getByRole('progressbar', { name: 'image.png' });
  await page.waitForFunction((el) => el.value === 100, await progress.elementHandle());
  await pasted.getByText('Ready').waitFor();
  assert.deepEqual(seen.grants, [{ file_name: 'image.png', size: PNG.length, content_type: 'image/png' }]);
  assert.equal(seen.puts.length, 1);
  assert.match(seen.puts[0], /^http:\/\/127\.0\.0\.1:5000\//);
  // The pasted text of a description still pastes as text.
  await shot(page, '21-attachment-pasted');

  // A file whose bytes are not what its name says passes the browser's check and is refused by
  // the server, at the file.
  await paste(page, [{ name: 'invoice.pdf', type: 'application/pdf', base64: Buffer.from('MZ\x90\x00 not a pdf at all').toString('base64') }]);
  const fake = file(page, 'invoice.pdf');
  await fake.getByText('Refused: the file\'s content is of a type that cannot be attached.').waitFor();
  await shot(page, '22-attachment-refused-by-server');
  await page.getByRole('button', { name: 'Remove invoice.pdf' }).click();

  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await page.waitForURL(/\/tickets\/HD-\d+$/);
  state.number = page.url().split('/').pop();
  assert.equal(seen.tickets.length, 1);
  assert.equal(seen.tickets[0].attachments.length, 1);
  // Her ticket shows the screenshot with its description.
  const thumb = page.locator('.message').first().locator('a.thumb img');
  await page.waitForFunction((img) => img.complete && img.naturalWidth === 16, await thumb.elementHandle());
  await shot(page, '23-attachment-filed');
});

test('an agent sees the thumbnail, opens the image, and adds a log to a note', async () => {
  const page = await signIn('ivan.sidorov');
  state.ivan = page;
  await page.goto(`${BASE}/tickets/${state.number}`);
  await page.getByRole('heading', { name: /Printer shows an error code/ }).waitFor();
  // His profile speaks Russian: so does a problem at a file.
  await page.locator('#reply-text').focus();
  await paste(page, [{ name: 'huge.mp4', type: 'video/mp4', size: 26 * 1024 * 1024 }]);
  await file(page, 'huge.mp4').getByText('Файл больше 25 МБ.').waitFor();
  await page.getByRole('button', { name: 'Убрать huge.mp4' }).click();
  await chooseLanguage(page, 'en');
  const link = page.locator('.message').first().locator('a.thumb').filter({ hasText: 'image.png' });
  const thumb = link.locator('img');
  await page.waitForFunction((img) => img.complete && img.naturalWidth === 16, await thumb.elementHandle());
  // Opening it: a fresh short-lived link in a new tab, which answers with the very bytes.
  const [tab] = await Promise.all([page.waitForEvent('popup'), link.click()]);
  await tab.waitForURL(/^http:\/\/127\.0\.0\.1:5000\//);
  const answer = await page.request.get(tab.url());
  assert.equal(answer.status(), 200);
  assert.equal(answer.headers()['content-type'], 'image/png');
  assert.deepEqual(Buffer.from(await answer.body()), PNG);
  await tab.close();
  // The page itself stays where it was (the app's router leaves the link alone).
  assert.match(page.url(), new RegExp(`/tickets/${state.number}$`));
  await shot(page, '24-agent-sees-thumbnail');

  // The file picker, on an internal note.
  await page.getByRole('radio', { name: 'Internal note' }).check();
  await page.getByLabel('Internal note (agents only)').fill('Printer log attached.');
  await page.locator('#attach-files').setInputFiles({ name: 'printer.log', mimeType: 'text/plain', buffer: Buffer.from('E-042 fuser error\n') });
  await file(page, 'printer.log').getByText('Ready').waitFor();
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('.message.note').filter({ hasText: 'Printer log attached.' }).getByRole('link', { name: 'printer.log' }).waitFor();
  assert.equal(await page.locator('.attach li').count(), 0);
  // The box stays on a note (the next file does not go to the requester by mistake), empty.
  assert.ok(await page.getByRole('radio', { name: 'Internal note' }).isChecked());
  assert.equal(await page.getByLabel('Internal note (agents only)').inputValue(), '');
  assert.equal(await page.getByRole('button', { name: 'Add note' }).count(), 1);
  // Each message lists its files once, also after the page is drawn anew.
  assert.equal(await page.locator('.message').first().locator('.attached li').count(), 1);
  await shot(page, '25-agent-note-with-log');
});

test('the requester never sees the note\'s file', async () => {
  const page = state.maria;
  await page.reload();
  await page.getByRole('heading', { name: /Printer shows an error code/ }).waitFor();
  await page.locator('.message').first().locator('a.thumb img').waitFor();
  assert.equal(await page.getByText('printer.log').count(), 0);
});

test('a long file name wraps on a phone; other names of allowed types are sent as the allow-list spells them', async () => {
  const page = state.maria;
  const seen = traffic(page);
  const long = `${'a'.repeat(176)}.png`;
  await page.locator('#reply-text').focus();
  await paste(page, [
    { name: long, type: 'image/png', base64: PNG.toString('base64') },
    { name: 'orders.csv', type: 'text/csv', base64: Buffer.from('id,qty\n1,2\n').toString('base64') },
    { name: 'setup.bin', type: '', size: 10 },
  ]);
  // A type the browser cannot name is stopped at the file, and the message says what is taken.
  await file(page, 'setup.bin').getByText(/cannot be attached\. Allowed: images, video, PDF, text and logs, office documents, archives\.$/).waitFor();
  await page.getByRole('button', { name: 'Remove setup.bin' }).click();
  await file(page, long).getByText('Ready').waitFor();
  await file(page, 'orders.csv').getByText('Ready').waitFor();
  assert.deepEqual(seen.grants.map((g) => g.content_type), ['image/png', 'text/plain']);
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  assert.equal(await wide(), false);
  await shot(page, '28-long-file-name');
  await page.getByLabel('Your reply').fill('A file with a long name.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  const message = page.locator('.message').filter({ hasText: 'A file with a long name.' });
  await message.locator('a.thumb img').waitFor();
  assert.equal(await message.locator('.attached li').count(), 2);
  assert.equal(await wide(), false);
  await shot(page, '29-long-file-name-sent');
});

test('the screen recorder is offered where the browser can record the screen', async () => {
  const page = state.ivan;
  const can = await page.evaluate(() => !!navigator.mediaDevices?.getDisplayMedia && typeof MediaRecorder !== 'undefined');
  assert.equal(await page.getByRole('button', { name: 'Record the screen' }).count(), can ? 1 : 0);
  // Where it is missing (phones), so is the button.
  const context = await browser.newContext();
  await context.addInitScript(() => { delete MediaDevices.prototype.getDisplayMedia; });
  const phone = await newPage(context);
  pages.push(phone);
  await phone.goto(BASE + '/');
  await signInOn(phone, 'maria.garcia');
  await phone.goto(`${BASE}/tickets/${state.number}`);
  await phone.getByRole('button', { name: 'Attach files' }).waitFor();
  assert.equal(await phone.getByRole('button', { name: 'Record the screen' }).count(), 0);
  await context.close();
});

test('a screen recording is attached to a reply like any other file', async () => {
  // This Chromium answers a request to share the screen at once, with a made-up screen.
  const recording = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
  try {
    const page = await signInWith(recording, 'maria.garcia');
    pages.push(page);
    await page.goto(`${BASE}/tickets/${state.number}`);
    // Each capture the page asks for, answered after a moment (as a person choosing a screen).
    await page.evaluate(() => {
      const ask = MediaDevices.prototype.getDisplayMedia;
      Object.assign(window, { asked: 0, captures: [] });
      MediaDevices.prototype.getDisplayMedia = function (...args) {
        window.asked += 1;
        return new Promise((done) => setTimeout(done, 300)).then(() => ask.apply(this, args))
          .then((stream) => window.captures.push(stream) && stream);
      };
    });
    const ended = () => page.waitForFunction(() => window.captures.length === window.asked
      && window.captures.every((s) => s.getTracks().every((t) => t.readyState === 'ended')));
    const seen = traffic(page);
    // Leaving the page while recording ends the capture and the recording; nothing is uploaded,
    // and the next form offers a new recording.
    await page.getByRole('button', { name: 'Record the screen' }).click();
    await page.getByRole('timer').filter({ hasText: /^Recording 0:0[1-9] \/ 3:00$/ }).waitFor();
    await page.getByRole('link', { name: 'New ticket' }).first().click();
    await page.getByLabel('Topic').selectOption('printer');
    await ended();
    await page.getByRole('button', { name: 'Record the screen' }).waitFor();
    assert.equal(await page.getByRole('timer').isVisible(), false);
    await page.waitForTimeout(500);
    assert.deepEqual(seen.grants, []);
    assert.equal(await page.locator('.attach li').count(), 0);
    await page.goBack();
    await page.getByRole('heading', { name: /Printer shows an error code/ }).waitFor();
    // A double click starts one capture.
    await page.getByRole('button', { name: 'Record the screen' }).dblclick();
    // A running clock, and the same button stops it.
    await page.getByRole('timer').filter({ hasText: /^Recording 0:0[1-9] \/ 3:00$/ }).waitFor();
    await shot(page, '26-recording-the-screen');
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByRole('button', { name: 'Record the screen' }).waitFor();
    assert.equal(await page.getByRole('timer').isVisible(), false);
    // The capture itself ended (not a copy of it).
    assert.equal(await page.evaluate(() => window.asked), 2);
    await ended();
    const video = file(page, 'screen-recording.webm');
    await video.getByText('Ready').waitFor();
    await page.getByLabel('Your reply').fill('This is what happens when I print.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.message').filter({ hasText: 'This is what happens when I print.' }).getByRole('link', { name: 'screen-recording.webm' }).waitFor();
    await shot(page, '27-recording-attached');
  } finally {
    await recording.close();
  }
});

test('no page threw or broke the Content-Security-Policy', () => {
  for (const p of pages) assert.deepEqual(p.errors, [], p.url());
});
