// What the browser tests share: Chromium, signed-in pages that record page errors and
// Content-Security-Policy violations, screenshots, and the API called as a signed-in page calls it.

import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const BASE = process.env.HELPDESK_URL ?? 'http://127.0.0.1:3000';
export const PASSWORD = 'helpdesk-demo';
const SHOTS = new URL('../artifacts/browser/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

/** The policy the runner (and the template's CloudFront) serves the UI with. */
export const CSP_DIRECTIVES = [
  "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "object-src 'none'",
  "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
];

/** A 16×16 PNG (base64), as a screenshot tool would put it on the clipboard. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAATElEQVR42pXCIRZAAABEwT2J/LMsy7Isy7Isy7LsEHssZ/jzJh1QU1DTETWdUNMZNV1Q0xU13VDTHTU9UNMTNb1Q0xs1fVDTFzX9UH9bKFkQhPbffQAAAABJRU5ErkJggg==';

/** Chromium; `extra`: more command-line switches. */
export async function launch(extra = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', ...extra],
  });
  // Pages before sign-in speak the browser's language: an English browser unless a test says
  // otherwise, whatever the machine's locale.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ locale: 'en-US', ...options });
  return browser;
}

/** Records on `page.errors` what must never happen: an uncaught error, a console error, a CSP
 *  violation (Chromium reports each on the console and as a `securitypolicyviolation` event). */
export function watch(page) {
  const errors = page.errors ?? [];
  page.errors = errors;
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Answers the page handles (401 when the session ended, 409, 422) are logged by Chromium as
    // failed resources: those are expected; anything else is not.
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return page;
}

/** A new page of `context` that reports CSP violations it sees (the listener is installed by the
 *  browser, not as an inline script, so the policy does not block it). */
export async function newPage(context) {
  if (!context.watched) {
    context.watched = true;
    await context.exposeBinding('__cspViolation', ({ page }, what) => page.errors?.push(`csp: ${what}`));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
    });
  }
  const page = watch(await context.newPage());
  page.setDefaultTimeout(15_000);
  return page;
}

/** Signs `username` in on `page` (at the page's current address, or the start page). */
export async function signInOn(page, username) {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: /^(Sign in|Войти)$/ }).click();
  await page.locator('header .who').waitFor();
}

/** A signed-in page in its own browser context (its own cookies and storage), in the language
 *  of the user's profile. */
export async function signIn(browser, username, viewport = { width: 1280, height: 900 }, timezoneId = undefined) {
  const context = await browser.newContext({ viewport, timezoneId });
  const page = await newPage(context);
  await page.goto(BASE + '/');
  await signInOn(page, username);
  return page;
}

/** Chooses the UI language in the header (which also stores it in the profile). */
export async function chooseLanguage(page, code) {
  await page.locator('#language').selectOption(code);
  await page.waitForFunction((c) => document.documentElement.lang === c, code);
}

/** A signed-in page in English, whatever the user's profile says; `timezoneId`: the browser's. */
export async function signInEnglish(browser, username, timezoneId = 'UTC') {
  const page = await signIn(browser, username, undefined, timezoneId);
  await chooseLanguage(page, 'en');
  return page;
}

export const shot = (page, name) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });

/** Calls the API with the page's session, as the UI does (CSRF token from the cookie). */
export async function api(page, method, path, body) {
  const cookies = await page.context().cookies(BASE);
  const csrf = cookies.find((c) => c.name === 'hd_csrf')?.value ?? '';
  const response = await page.request.fetch(BASE + path, {
    method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok(), `${method} ${path}: ${response.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The JSON bodies of the PATCH requests the page sends to a ticket, as they are sent. */
export function patches(page) {
  const sent = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH' && /\/api\/tickets\/HD-\d+$/.test(r.url())) sent.push(JSON.parse(r.postData() ?? '{}'));
  });
  return sent;
}
