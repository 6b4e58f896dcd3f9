// The month's dispatch in Debian's headless Chromium, at 1440 px and on a 390 px phone: the
// office opens the round and runs today's steps, a lagging county reads its 督办单 in 消息 and
// downloads it; a leader opens the cockpit and prints it. Run by crates/rectify/tests/browser.rs
// with BASE_URL, PASSWORD and SCREENSHOTS set.
import { strict as assert } from 'node:assert';
import { fits, launch, signedIn } from './session.mjs';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOTS;

const browser = await launch();

const desktop = { viewport: { width: 1440, height: 900 } };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const widths = [['1440', desktop], ['390', phone]];

const as = (user, device, run) =>
  signedIn(browser, { url: `${base}/login`, user, password, options: device }, run);

const steps = [];
function step(name) { steps.push(name); console.log(`ok - ${name}`); }

// The office opens this month's round (on the desktop) and runs today's steps: 北岭县 lags, so
// it gets a 督办单.
await as('zgb', desktop, async (page) => {
  await page.goto(`${base}/dispatch`);
  await page.click('button:has-text("开启本月调度")');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=/进展报送截止/'), 'the round is open');
  assert.ok(await page.isVisible('h2:has-text("应报送进展的单位")'));
  await page.click('button:has-text("执行今日到期的督办步骤")');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=/已发出 \\d+ 项督办事项/'), 'the steps were issued');
  const row = page.locator('tbody tr', { hasText: '北岭县政府' }).filter({ hasText: '督办单' }).first();
  assert.ok(await row.isVisible(), '北岭县政府 got a 督办单');
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a:has-text("下载")').click()]);
  assert.match(download.suggestedFilename(), /督办单-北岭县政府-\d+\.docx/);
  await page.screenshot({ path: join(shots, 'dispatch-1440.png'), fullPage: true });
});
await as('zgb', phone, async (page) => {
  await page.goto(`${base}/dispatch`);
  await fits(page, '/dispatch on a phone');
  await page.screenshot({ path: join(shots, 'dispatch-390.png'), fullPage: true });
});
step('the office opens the round and sends a 督办单 to a lagging county');

// The county reads it in 消息, on both widths, and downloads the 督办单.
for (const [width, device] of widths) {
  await as('beiling', device, async (page) => {
    const menu = page.locator('header a', { hasText: '消息' });
    assert.ok(await menu.count() > 0, 'the county has 消息 in its menu');
    await page.goto(`${base}/inbox`);
    const message = page.locator('tbody tr', { hasText: '【督办单】' }).first();
    assert.ok(await message.isVisible(), 'the 督办单 is in 消息');
    assert.ok((await message.textContent()).includes('北岭县政府'));
    assert.equal(await page.locator('tbody tr', { hasText: '市发改委' }).count(), 0, 'only its own messages');
    const [download] = await Promise.all([page.waitForEvent('download'), message.locator('a:has-text("下载")').click()]);
    assert.match(download.suggestedFilename(), /督办单-北岭县政府/);
    await fits(page, `/inbox at ${width}px`);
    await page.screenshot({ path: join(shots, `inbox-${width}.png`), fullPage: true });
  });
}
step('the county reads its 督办单 in 消息 and downloads it');

// A leader opens the cockpit on both widths and prints it on one A4 landscape page.
for (const [width, device] of widths) {
  await as('wangjianguo', device, async (page) => {
    await page.goto(`${base}/cockpit`);
    for (const heading of ['整改完成情况', '红色问题', '县（市、区）排名', '环境质量目标', '信访件与名录反弹']) {
      assert.ok(await page.isVisible(`h2:has-text("${heading}")`), `the cockpit shows ${heading}`);
    }
    await fits(page, `/cockpit at ${width}px`);
    await page.screenshot({ path: join(shots, `cockpit-${width}.png`), fullPage: true });
    if (width === '1440') {
      const pdf = await page.pdf({ preferCSSPageSize: true });
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
      assert.equal(pages, 1, 'the cockpit prints on one page');
    }
  });
}
step('a leader opens the cockpit on a desktop and a phone and prints it');

// Work tools: the search box in the menu, and the ledger's columns chosen and kept.
for (const [width, device] of widths) {
  await as('zgb', device, async (page) => {
    await page.fill('header form.search input[name=q]', '锅炉');
    await page.press('header form.search input[name=q]', 'Enter');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('h2:has-text("专项整治名录")'), 'the search lists the registers');
    assert.ok(await page.isVisible('text=北岭水泥余热锅炉'));
    await fits(page, `/search at ${width}px`);
    await page.screenshot({ path: join(shots, `search-${width}.png`), fullPage: true });
    await page.goto(`${base}/ledger`);
    await page.click('details.columns summary');
    await page.check('input[name=c_leaders]');
    await page.check('input[name=c_progress]');
    await page.click('form.filters button:has-text("筛选")');
    await page.waitForLoadState('networkidle');
    await page.goto(`${base}/ledger`);
    assert.ok(await page.isVisible('th:has-text("最新进展")'), 'the chosen columns are kept');
    await fits(page, `/ledger with columns at ${width}px`);
    await page.screenshot({ path: join(shots, `ledger-columns-${width}.png`), fullPage: false });
  });
}
step('the office searches from the menu and chooses the ledger columns');

await browser.close();
console.log(`${steps.length} month steps passed`);
