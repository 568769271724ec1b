// The knowledge base and search as people use them: a requester describing a printer problem is
// offered the printer article in her language, and "This solved my problem" files nothing; a
// requester's knowledge base and search never show an internal article or a draft; an agent finds
// tickets by a word of their text on /search (a new ticket as soon as the indexer has it, a
// note's words only for staff); an admin's edits show on the article and in search, mistakes are
// marked at their inputs, a stale save keeps the text, and history restores an old version; an
// admin lets an agent write articles, who then links one into a reply and drafts one from a
// ticket. The index follows a change within seconds, so what depends on it is polled for.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, signIn as signInWith, chooseLanguage, shot, api, PNG_BASE64 } from './support.mjs';

let browser;
const pages = [];

/** Each user's language as their profile had it before this file changed it. */
const profiles = new Map();

before(async () => { browser = await launch(); });
after(async () => {
  // The other browser tests meet everyone in the language the demo gave them.
  for (const [page, language] of profiles.values()) await api(page, 'PATCH', '/api/auth/me', { language });
  for (const page of pages) assert.deepEqual(page.errors, [], 'no page errors');
  await browser?.close();
});

/** A signed-in page of its own, in `lang` (which the header stores in the profile). */
async function signIn(username, lang = 'en', viewport = undefined) {
  const page = await signInWith(browser, username, viewport, 'UTC');
  pages.push(page);
  if (!profiles.has(username)) profiles.set(username, [page, await page.evaluate(() => document.documentElement.lang)]);
  await chooseLanguage(page, lang);
  return page;
}

/** Asks `check` again (after `retry`, e.g. a new search) until it holds: the index is updated a
 *  few seconds after a change. */
async function eventually(check, retry, what, timeout = 20_000) {
  const until = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    assert.ok(Date.now() < until, `within ${timeout / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
    await retry();
  }
}

/** The articles of the knowledge base as `page`'s user may read them (the API, all pages). */
async function articles(page) {
  const all = [];
  let cursor = '';
  do {
    const list = await api(page, 'GET', `/api/kb/articles?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    all.push(...list.items);
    cursor = list.next_cursor ?? '';
  } while (cursor);
  return all;
}

const titled = async (page, title) => (await articles(page)).find((a) => a.title === title);

/** `/search` with `words` (and `extra` address parameters), answered. */
async function search(page, words, extra = '') {
  await page.goto(`${BASE}/search?q=${encodeURIComponent(words)}${extra}`);
  await page.locator('section.search').locator('.count, .empty').first().waitFor();
}

const hitTitles = (page) => page.locator('ol.hits li .hit-head a').allInnerTexts();

async function myTicketCount(page) {
  return (await api(page, 'GET', '/api/my/tickets?limit=100')).items.length;
}

for (const [who, lang, typed, title, other, solved, glad] of [
  ['john.smith', 'en', 'printer', 'The printer does not print', 'Принтер не печатает', 'This solved my problem',
    'Glad it helped — no ticket was filed.'],
  ['anna.petrova', 'ru', 'принтер', 'Принтер не печатает', 'The printer does not print', 'Это решило мою проблему',
    'Рады, что помогло, — заявка не создана.'],
]) {
  test(`${who} typing "${typed}" is offered the printer article in ${lang}; "This solved my problem" files no ticket`, async () => {
    const page = await signIn(who, lang);
    const admin = await signIn('admin');
    const article = await titled(admin, 'The printer does not print');
    const statsBefore = (await api(admin, 'GET', `/api/kb/articles/${article.id}`)).stats.deflections;
    const ticketsBefore = await myTicketCount(page);

    await page.goto(`${BASE}/new`);
    await page.locator('#topic').selectOption('general');
    await page.locator('#subject').pressSequentially(typed, { delay: 40 });
    const offers = page.locator('section.suggestions');
    const offered = offers.locator('li').filter({ has: page.getByRole('link', { name: title }) });
    await offered.waitFor({ timeout: 10_000 });
    assert.equal(await offered.getByRole('link', { name: title }).getAttribute('lang'), lang, 'the title is marked with its language');
    assert.equal(await offers.getByRole('link', { name: other }).count(), 0, 'not in the other language');
    // Screen readers hear that articles are offered.
    assert.match(await page.locator('p.sr-only[role=status]').innerText(), lang === 'en' ? /articles? may answer/ : /стать/);
    await shot(page, `knowledge-01-suggested-${lang}`);

    await offered.getByRole('button', { name: solved }).click();
    const message = page.locator('#solved');
    await message.getByText(glad).waitFor();
    assert.ok(await page.locator('section.card form').isHidden(), 'the form is gone');
    await page.waitForFunction(() => document.activeElement?.id === 'solved');
    await shot(page, `knowledge-02-solved-${lang}`);
    assert.equal(await myTicketCount(page), ticketsBefore, 'no ticket was filed');
    await page.getByRole('link', { name: lang === 'en' ? 'My tickets' : 'Мои заявки' }).last().click();
    await page.waitForURL(/\/my$/);
    const statsAfter = (await api(admin, 'GET', `/api/kb/articles/${article.id}`)).stats.deflections;
    assert.equal(statsAfter, statsBefore + 1, 'the article is counted as having helped');
  });
}

test('after "This solved my problem" the requester can describe another problem and file it', async () => {
  const john = await signIn('john.smith');
  const before = await myTicketCount(john);
  await john.goto(`${BASE}/new`);
  await john.locator('#topic').selectOption('general');
  await john.locator('#subject').fill('Paper jam again');
  await john.locator('section.suggestions').getByRole('button', { name: 'This solved my problem' }).first().click();
  await john.locator('#solved').waitFor();
  await john.getByRole('button', { name: 'Describe another problem' }).click();
  await john.waitForFunction(() => document.activeElement?.id === 'topic');
  assert.equal(await john.locator('#solved').count(), 0);
  await john.locator('#topic').selectOption('general');
  assert.equal(await john.locator('#subject').inputValue(), '', 'the form starts empty');
  await john.locator('#subject').fill('Keyboard missing keys');
  await john.locator('#description').fill('The F and J keys came off.');
  await john.getByRole('button', { name: 'Submit ticket' }).click();
  await john.waitForURL(/\/tickets\/HD-\d+$/);
  assert.equal(await myTicketCount(john), before + 1);
});

test("a requester's knowledge base and search show public, published articles only", async () => {
  const john = await signIn('john.smith');
  const admin = await signIn('admin');
  const [internal, draft] = ['VPN gateway restart (agents)', 'Two-factor sign-in with a hardware key'];
  // Staff editors see both (so the requester's list below would show them if it leaked).
  const staff = await articles(admin);
  assert.ok(staff.some((a) => a.title === internal) && staff.some((a) => a.title === draft), 'the demo has both');
  const internalId = staff.find((a) => a.title === internal).id;
  const draftId = staff.find((a) => a.title === draft).id;

  await john.goto(`${BASE}/kb`);
  const list = john.locator('table.articles');
  await list.getByRole('link', { name: 'The printer does not print' }).waitFor();
  await list.getByRole('link', { name: 'Connect to the VPN from home' }).waitFor();
  for (const hidden of [internal, draft]) assert.equal(await list.getByText(hidden).count(), 0, `${hidden} is not listed`);
  assert.equal(await john.locator('.kb-internal, .kb-draft').count(), 0);
  assert.equal(await john.getByRole('link', { name: 'New article' }).count(), 0);
  const readable = await articles(john);
  assert.ok(readable.every((a) => a.visibility === 'public' && a.status === 'published'), 'the API agrees');
  await shot(john, 'knowledge-03-requester-kb');

  // Search finds the public article by a word both share, never the internal one, nor the draft.
  await admin.goto(`${BASE}/search?q=gpgw&scope=articles`);
  await admin.locator('ol.hits').getByText(internal).waitFor();
  await search(john, 'gateway');
  const found = await hitTitles(john);
  assert.ok(found.includes('Connect to the VPN from home'), found.join());
  assert.ok(!found.includes(internal), found.join());
  await search(john, 'gpgw');
  assert.deepEqual(await hitTitles(john), []);
  await search(john, 'hardware key', '&scope=articles');
  assert.ok(!(await hitTitles(john)).includes(draft));
  await john.goto(`${BASE}/kb?q=${encodeURIComponent('gateway restart')}`);
  await john.locator('section.kb').locator('.count, .empty').first().waitFor();
  assert.ok(!(await hitTitles(john)).includes(internal));
  // Their addresses say "not found" like anything missing.
  for (const id of [internalId, draftId]) {
    await john.goto(`${BASE}/kb/${id}`);
    await john.locator('section.article-page .error').waitFor();
    assert.equal(await john.locator('article.kb-article').count(), 0);
  }
});

test('the knowledge base on a phone: one card per article, nothing to scroll sideways', async () => {
  const anna = await signIn('anna.petrova', 'ru', { width: 390, height: 844 });
  await anna.goto(`${BASE}/kb`);
  await anna.getByRole('link', { name: 'Принтер не печатает' }).waitFor();
  assert.ok(await anna.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the list fits 390 px');
  await anna.getByRole('link', { name: 'Принтер не печатает' }).click();
  await anna.getByRole('heading', { level: 1, name: 'Принтер не печатает' }).waitFor();
  assert.ok(await anna.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the article fits 390 px');
  await shot(anna, 'knowledge-04-phone-article');
});

test('an agent finds tickets on /search by a word of their text; a new ticket once indexed; notes only for staff', async () => {
  const ivan = await signIn('ivan.sidorov');
  const anna = await signIn('anna.petrova', 'ru');
  // A demo ticket by a word of its description, from the search box in the navigation.
  await ivan.goto(`${BASE}/queue`);
  await ivan.getByLabel('Search tickets and articles').fill('brochure');
  await ivan.getByLabel('Search tickets and articles').press('Enter');
  await ivan.waitForURL(/\/search\?q=brochure/);
  const hit = ivan.locator('ol.hits li.hit-ticket').filter({ hasText: 'Install Inkscape' });
  await hit.waitFor();
  await shot(ivan, 'knowledge-05-agent-search');
  await hit.getByRole('link', { name: /Install Inkscape/ }).click();
  await ivan.getByRole('heading', { level: 1, name: /Install Inkscape/ }).waitFor();

  // An internal note's words find the ticket for staff, never for its requester.
  await search(ivan, 'Thursday');
  assert.ok((await hitTitles(ivan)).some((t) => t.includes('Printer on the 3rd floor jams every page')));
  await search(anna, 'Thursday');
  assert.deepEqual(await hitTitles(anna), [], "a note's words do not find the requester's ticket");

  // A new ticket with a word nobody used: found once the indexer has it, by its filters too.
  const word = `kumquat${Date.now().toString(36).replace(/\d/g, '')}`;
  const made = await api(anna, 'POST', '/api/tickets', { topic: 'general', subject: 'Desk lamp flickers', description: `The ${word} lamp on desk 12 flickers.` });
  const number = made.ticket.number;
  await eventually(
    async () => (await hitTitles(ivan)).some((t) => t.includes(number)),
    () => search(ivan, word),
    `${number} found by "${word}"`,
  );
  await search(ivan, word, '&scope=tickets&status=new');
  assert.ok((await hitTitles(ivan)).some((t) => t.includes(number)), 'with its status chosen');
  await search(ivan, word, '&scope=tickets&status=closed');
  assert.deepEqual(await hitTitles(ivan), [], 'not with another status');
  // Not for another requester.
  const john = await signIn('john.smith');
  await search(john, word);
  assert.deepEqual(await hitTitles(john), []);
});

test("an admin edits an article in both languages; it shows on its page and in search; history restores the old text", async () => {
  const admin = await signIn('admin');
  const article = await api(admin, 'GET', `/api/kb/articles/${(await titled(admin, 'Wi-Fi for guests')).id}`);
  const word = `voucherless${Date.now().toString(36).replace(/\d/g, '')}`;
  await admin.goto(`${BASE}/kb/${article.id}`);
  await admin.getByRole('heading', { level: 1, name: 'Wi-Fi for guests' }).waitFor();
  await admin.getByRole('link', { name: 'Edit' }).click();
  await admin.waitForURL(/\/edit$/);
  const enTitle = admin.locator('#translations\\.en\\.title');
  await enTitle.waitFor();
  assert.equal(await enTitle.inputValue(), 'Wi-Fi for guests');
  await enTitle.fill('Wi-Fi for visitors');
  await admin.locator('#translations\\.en\\.body').fill(`Visitors connect to **Example-Guest**, ${word} since November.`);
  await admin.getByRole('tab', { name: 'Русский' }).click();
  assert.equal(await admin.getByRole('tab', { name: 'Русский' }).getAttribute('aria-selected'), 'true');
  await admin.locator('#translations\\.ru\\.title').fill('Wi-Fi для посетителей');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(new RegExp(`/kb/${article.id}$`));
  await admin.getByRole('heading', { level: 1, name: 'Wi-Fi for visitors' }).waitFor();
  assert.match(await admin.locator('.kb-body').innerHTML(), /<strong>Example-Guest<\/strong>/, 'the Markdown is rendered');
  await shot(admin, 'knowledge-06-edited');
  // The Russian reader gets the Russian title.
  await chooseLanguage(admin, 'ru');
  await admin.getByRole('heading', { level: 1, name: 'Wi-Fi для посетителей' }).waitFor();
  await chooseLanguage(admin, 'en');

  // A requester finds it by the new word once the index has it.
  const john = await signIn('john.smith');
  await eventually(
    async () => (await hitTitles(john)).includes('Wi-Fi for visitors'),
    () => search(john, word),
    `the edited article found by "${word}"`,
  );

  // History: the first version comes back as the newest.
  await admin.goto(`${BASE}/kb/${article.id}`);
  await admin.getByRole('heading', { level: 1, name: 'Wi-Fi for visitors' }).waitFor();
  await admin.getByRole('button', { name: 'History' }).click();
  const rows = admin.locator('table.revisions tbody tr');
  await rows.nth(1).waitFor();
  assert.match(await rows.first().innerText(), /Wi-Fi for visitors/);
  assert.match(await rows.first().innerText(), /\(current\)/);
  await admin.getByRole('button', { name: 'Restore version 1' }).click();
  await admin.getByText('Version 1 is restored').waitFor();
  await admin.getByRole('heading', { level: 1, name: 'Wi-Fi for guests' }).waitFor();
  const restored = await api(admin, 'GET', `/api/kb/articles/${article.id}`);
  assert.equal(restored.translations.ru.title, 'Wi-Fi для гостей');
  assert.equal(restored.version, article.version + 2, 'the restore is a new version: nothing is lost');
});

test('an admin pastes a screenshot into a new article; it shows in the text, also for requesters', async () => {
  const admin = await signIn('admin');
  const title = `Toner light blinks ${Date.now().toString(36)}`;
  await admin.goto(`${BASE}/kb/new`);
  await admin.locator('form.kb-editor').waitFor();
  await admin.locator('#visibility').selectOption('public');
  await admin.locator('#status').selectOption('published');
  await admin.locator('#translations\\.en\\.title').fill(title);
  const body = admin.locator('#translations\\.en\\.body');
  await body.fill('Open the front cover and replace the toner cartridge.');
  await body.focus();
  // Ctrl+V with the screenshot on the clipboard, while typing the text.
  await admin.evaluate((base64) => {
    const data = new DataTransfer();
    data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'toner.png', { type: 'image/png' }));
    document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, PNG_BASE64);
  await admin.locator('.screenshots').getByText('Ready').waitFor();
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(/\/kb\/[0-9A-Z]{26}$/);
  const picture = admin.locator('.kb-body img');
  await admin.waitForFunction((img) => img.complete && img.naturalWidth === 16, await picture.elementHandle());
  assert.equal(await picture.getAttribute('alt'), 'Screenshot');
  const id = admin.url().split('/').pop();
  const saved = await api(admin, 'GET', `/api/kb/articles/${id}`);
  assert.match(saved.translations.en.body, /replace the toner cartridge\.\n\n!\[Screenshot\]\(attachment:[0-9A-Z]{26}\)$/);
  await shot(admin, 'knowledge-06b-screenshot');

  const john = await signIn('john.smith');
  await john.goto(`${BASE}/kb/${id}`);
  await john.getByRole('heading', { level: 1, name: title }).waitFor();
  const seen = john.locator('.kb-body img');
  await john.waitForFunction((img) => img.complete && img.naturalWidth === 16, await seen.elementHandle());
});

test('the article editor marks what is missing at its input, in its language tab, and keeps the text on a stale save', async () => {
  const admin = await signIn('admin');
  await admin.goto(`${BASE}/kb/new`);
  await admin.locator('form.kb-editor').waitFor();
  // Nothing written: the shown tab's title and text are marked, and the title takes the focus.
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Please correct the marked fields.').waitFor();
  await admin.waitForFunction(() => document.activeElement?.id === 'translations.en.title');
  assert.equal(await admin.locator('#translations\\.en\\.title').getAttribute('aria-invalid'), 'true');
  assert.equal(await admin.locator('#translations\\.en\\.body').getAttribute('aria-invalid'), 'true');
  await shot(admin, 'knowledge-07-editor-empty');
  // Only a Russian title: the Russian tab opens, says it needs correcting, and its text is marked.
  await admin.locator('#translations\\.en\\.title').fill('');
  await admin.getByRole('tab', { name: 'English' }).press('ArrowRight');
  await admin.waitForFunction(() => document.activeElement?.id === 'tab-ru');
  await admin.locator('#translations\\.ru\\.title').fill('Только заголовок');
  await admin.getByRole('tab', { name: 'English' }).click();
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForFunction(() => document.activeElement?.id === 'translations.ru.body');
  assert.equal(await admin.getByRole('tab', { selected: true }).innerText().then((t) => t.includes('Русский')), true);
  assert.match(await admin.getByRole('tab', { name: /Русский/ }).innerText(), /needs correcting/);
  assert.equal(await admin.locator('#translations\\.ru\\.body').getAttribute('aria-invalid'), 'true');
  assert.equal(await admin.locator('#translations\\.ru\\.body-error').innerText(), 'This field is required.');
  assert.match(admin.url(), /\/kb\/new$/, 'nothing was sent');

  // A stale save: someone saved meanwhile; the text stays, and "save over it" saves it.
  const article = await api(admin, 'POST', '/api/kb/articles', {
    category: 'E-mail', visibility: 'public', status: 'published',
    translations: { en: { title: 'Mailbox quota', body: 'Archive old mail.' } },
  });
  await admin.goto(`${BASE}/kb/${article.id}/edit`);
  const title = admin.locator('#translations\\.en\\.title');
  await title.waitFor();
  const stored = await api(admin, 'GET', `/api/kb/articles/${article.id}`);
  const { category, visibility, status, translations, version } = stored;
  await api(admin, 'PUT', `/api/kb/articles/${article.id}`,
    { category, visibility, status, version, translations: { ...translations, en: { ...translations.en, title: 'Mailbox quota reached' } } });
  await title.fill('Your mailbox quota');
  await admin.getByRole('button', { name: 'Save' }).click();
  const conflict = admin.locator('form.kb-editor .error[role=alert]');
  await conflict.getByText('Someone saved this article meanwhile.').waitFor();
  assert.equal(await title.inputValue(), 'Your mailbox quota', 'the text is kept');
  await shot(admin, 'knowledge-08-editor-conflict');
  await conflict.getByRole('button', { name: 'Save my text over it' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Your mailbox quota' }).waitFor();
});

test('an admin lets an agent write articles: she links one into a reply and drafts one from a ticket', async () => {
  const admin = await signIn('admin');
  const lena = await signIn('lena.kuznetsova');
  const anna = await signIn('anna.petrova', 'ru');
  const made = await api(anna, 'POST', '/api/tickets', { topic: 'general', subject: 'Scanner makes grey stripes', description: 'Every scan has grey stripes.' });
  const number = made.ticket.number;
  await lena.goto(`${BASE}/tickets/${number}`);
  await lena.getByRole('heading', { level: 1, name: /Scanner makes grey stripes/ }).waitFor();
  assert.equal(await lena.getByRole('button', { name: 'Draft an article from this ticket' }).count(), 0, 'not an editor yet');

  try {
    await admin.goto(`${BASE}/admin/users`);
    await admin.getByRole('button', { name: 'lena.kuznetsova', exact: true }).click();
    const flag = admin.getByLabel('May write knowledge-base articles');
    assert.equal(await flag.isChecked(), false);
    await flag.check();
    await admin.getByRole('button', { name: 'Save', exact: true }).click();
    await admin.getByText('Saved.').waitFor();
    assert.equal((await api(admin, 'GET', '/api/users/lena.kuznetsova')).knowledge_editor, true);

    // Her next page knows it.
    await lena.goto(`${BASE}/kb`);
    await lena.getByRole('link', { name: 'New article' }).waitFor();

    // A link to an article goes at the end of her reply.
    await lena.goto(`${BASE}/tickets/${number}`);
    const reply = lena.getByLabel('Your reply');
    await reply.fill('Please try this:');
    await lena.getByRole('button', { name: 'Insert article link' }).click();
    const find = lena.getByLabel('Find an article');
    await lena.waitForFunction(() => document.activeElement?.id === 'insert-article-search');
    await find.fill('jam');
    await lena.locator('ul.article-links').getByRole('button', { name: /Paper jam in the office printer/ }).click();
    assert.match(await reply.inputValue(), /^Please try this: Paper jam in the office printer: http:\/\/[^ ]+\/kb\/[0-9A-Z]{26}$/);
    await lena.waitForFunction(() => document.activeElement?.id === 'reply-text');
    await shot(lena, 'knowledge-09-link-inserted');

    // A draft from the ticket opens in the editor, internal and a draft.
    await lena.getByRole('button', { name: 'Draft an article from this ticket' }).click();
    await lena.waitForURL(/\/kb\/[0-9A-Z]{26}\/edit$/);
    const title = lena.locator('#translations\\.en\\.title');
    await title.waitFor();
    assert.equal(await title.inputValue(), 'Scanner makes grey stripes');
    assert.equal(await lena.locator('#translations\\.en\\.body').inputValue(), 'Every scan has grey stripes.');
    assert.equal(await lena.getByLabel('Who may read it').inputValue(), 'internal');
    assert.equal(await lena.getByLabel('State').inputValue(), 'draft');
    await lena.locator('#translations\\.en\\.body').fill('Clean the scanner glass and the white strip next to it.');
    await lena.getByRole('button', { name: 'Save' }).click();
    await lena.getByRole('heading', { level: 1, name: 'Scanner makes grey stripes' }).waitFor();
    await lena.getByRole('link', { name: 'Open the ticket' }).click();
    await lena.getByRole('heading', { level: 1, name: /Scanner makes grey stripes/ }).waitFor();
    // Her draft is not the requester's to read.
    const draft = (await articles(lena)).find((a) => a.title === 'Scanner makes grey stripes');
    await anna.goto(`${BASE}/kb/${draft.id}`);
    await anna.locator('section.article-page .error').waitFor();
  } finally {
    // The other browser tests meet Lena as she was.
    const user = await api(admin, 'GET', '/api/users/lena.kuznetsova');
    if (user.knowledge_editor) {
      const { name, email, phone, language, department, location, telegram_chat_id, role, groups, active, version } = user;
      await api(admin, 'PUT', '/api/users/lena.kuznetsova',
        { name, email, phone, language, department, location, telegram_chat_id, role, groups, active, version, knowledge_editor: false });
    }
  }
});
