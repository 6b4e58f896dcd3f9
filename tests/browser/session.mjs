// What the browser flows share: Debian's headless Chromium, signing in through the login form,
// and the check that a page fits its screen.
import { chromium } from 'playwright-core';
import { strict as assert } from 'node:assert';

/// Chromium (`CHROMIUM`, else Debian's); playwright gives every launch a fresh, throw-away
/// profile (the --user-data-dir of the flags).
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/// Opens `url` anonymously, which must send the page to the login form, and signs `user` in.
export async function signIn(page, url, user, password) {
  await page.goto(url);
  assert.match(page.url(), /\/login/, 'an anonymous visit goes to the login page');
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button:has-text("登录")');
  await page.waitForLoadState('networkidle');
  assert.ok(!page.url().includes('/login'), `${user} is signed in`);
}

/// Runs `run` on the page of a new context (`options`, zh-CN, downloads allowed) where `user`
/// has signed in from `url`; the context is closed after, whatever happens.
export async function signedIn(browser, { url, user, password, options }, run) {
  const context = await browser.newContext({ ...options, locale: 'zh-CN', acceptDownloads: true });
  try {
    const page = await context.newPage();
    await signIn(page, url, user, password);
    await run(page);
  } finally {
    await context.close();
  }
}

/// The page fits the screen: nothing scrolls sideways.
export async function fits(page, what) {
  const [scroll, client] = await page.evaluate(() =>
    [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${what} scrolls sideways: ${scroll} > ${client}`);
}
