// Drives the real server in Debian's headless Chromium, as the people who use it would.
// Run by crates/rectify/tests/browser.rs with BASE_URL, PASSWORD, SCREENSHOTS and PHOTO set.
import { strict as assert } from 'node:assert';
import { launch, signedIn } from './session.mjs';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOTS;
const photo = process.env.PHOTO;

const browser = await launch();

const desktop = { viewport: { width: 1280, height: 900 } };
const as = (user, run) => signedIn(browser, { url: `${base}/`, user, password, options: desktop }, run);

const steps = [];
let period = '';
function step(name) { steps.push(name); console.log(`ok - ${name}`); }

// The office: dashboard, then the ledger filtered to seriously lagging (红) 共性 items.
await as('zgb', async (page) => {
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
  assert.ok(await page.isVisible('text=待我处理'));
  step('login and dashboard');
  await page.goto(`${base}/ledger`);
  const all = await page.locator('table.ledger tbody tr').count();
  await page.selectOption('select[name=scope]', 'common');
  await page.selectOption('select[name=schedule]', 'overdue');
  await page.click('form.filters button');
  await page.waitForLoadState('networkidle');
  const filtered = await page.locator('table.ledger tbody tr').count();
  assert.ok(filtered > 0 && filtered < all, `filter narrows ${all} rows to ${filtered}`);
  assert.ok(page.url().includes('schedule=overdue'));
  for (const badge of await page.locator('table.ledger .badge').allTextContents()) {
    assert.equal(badge, '严重滞后');
  }
  await page.screenshot({ path: join(shots, 'ledger.png'), fullPage: true });
  step('filter the ledger');
});

// A clerk of 市生态环境局 reports November on item 3 with a photo.
await as('sthjj', async (page) => {
  await page.goto(`${base}/items/3/report`);
  period = await page.inputValue('input[name=period]');
  await page.fill('textarea[name=text]', '浏览器测试：完成第3条措施，现场照片已上传。');
  await page.check('input[name=done][value="3"]');
  await page.setInputFiles('input[name=files]', photo);
  await page.click('button:has-text("提交")');
  await page.waitForLoadState('networkidle');
  assert.ok(page.url().includes('/items/3'));
  assert.ok(await page.isVisible(`text=已提交 ${period} 进展`), 'the report is filed');
  assert.ok(await page.isVisible('img[alt="photo.png"]'), 'the photo is previewed');
  step('a unit clerk submits a progress report with a photo');
});

// The supervisor confirms it from the item page.
await as('liming', async (page) => {
  assert.ok(await page.isVisible(`text=第3项：市生态环境局 ${period} 进展待确认`), 'waiting on the dashboard');
  await page.goto(`${base}/items/3`);
  await page.click('form[action^="/reports/"] button[value=confirm]');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible(`text=已确认 ${period} 进展`));
  step('the supervisor confirms it');
});

// The office files the notice of item 14 with a screenshot.
await as('zgb', async (page) => {
  await page.goto(`${base}/items/14`);
  const form = page.locator('form[action="/items/14/actions/notice"]');
  await form.locator('input[name=channel]').fill('河安市人民政府网站');
  await form.locator('input[name=link]').fill('https://www.hean.gov.cn/gs/14.html');
  await form.locator('input[name=files]').setInputFiles(photo);
  await form.locator('button').click();
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=/登记公示：/'), 'the notice is recorded');
  step('an office user records a public notice');
  await page.goto(`${base}/items/3`);
  const timeline = await page.locator('ol.timeline').innerText();
  for (const entry of [`填报 ${period} 进展`, '上传佐证材料（现场照片（整改后））', `监管人确认 ${period} 进展`, '认领']) {
    assert.ok(timeline.includes(entry), `timeline shows ${entry}`);
  }
  await page.screenshot({ path: join(shots, 'item.png'), fullPage: true });
  step('the timeline shows all of it');
});

// A 北岭县 clerk cannot open an item of 南川县 by its URL.
await as('beiling', async (page) => {
  const response = await page.goto(`${base}/items/41`);
  assert.equal(response.status(), 404);
  const ledger = await page.goto(`${base}/ledger`);
  assert.equal(ledger.status(), 200);
  assert.equal(await page.locator('a[href="/items/41"]').count(), 0);
  step('a clerk of 北岭县 cannot reach an item of 南川县');
});

// The acceptance unit starts an acceptance from its queue and stays on the queue.
await as('yanshou', async (page) => {
  await page.goto(`${base}/acceptance`);
  await page.screenshot({ path: join(shots, 'acceptance.png'), fullPage: true });
  const row = page.locator('tr', { has: page.locator('a[href="/items/17"]') }).first();
  const start = row.locator('details', { has: page.locator('summary:has-text("受理验收")') });
  await start.locator('summary').click();
  await start.locator('textarea[name=team]').fill('市生态环境局、市住建局联合验收组');
  await start.locator('form button').click();
  await page.waitForLoadState('networkidle');
  assert.ok(page.url().includes('/acceptance'), 'back on the queue');
  assert.ok(await page.isVisible('text=/受理验收：申请验收 → 验收中/'));
  assert.ok(await page.isVisible('text=验收中（2）'));
  step('the acceptance unit works through its queue');
});

// The office sees the notice board and the import preview marks a defective cell.
await as('zgb', async (page) => {
  await page.goto(`${base}/notices`);
  assert.ok(await page.isVisible('text=公示中（1）'));
  await page.screenshot({ path: join(shots, 'notices.png'), fullPage: true });
  await page.goto(`${base}/import`);
  const defective = join(shots, 'defective.csv');
  writeFileSync(defective, '序号,反馈问题,责任单位,整改时限\n1,问题一,,2019年底前\n2,问题二,市林业局,尽快\n');
  await page.setInputFiles('input[name=file]', defective);
  await page.click('button:has-text("上传并预览")');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('td#C2.bad'), 'the empty unit cell is marked');
  assert.ok(await page.isVisible('td#D3.warn'), 'the unreadable deadline is flagged');
  await page.screenshot({ path: join(shots, 'import.png'), fullPage: true });
  step('the import preview marks defects on their cells');
});

// The office uploads a transfer list holding two batches on one sheet (#20): the preview shows
// the sheet as uploaded with each defect on its cell, at a desktop's width and a phone's, and
// the phone's page does not scroll sideways (the sheet scrolls inside its own box).
await as('zgb', async (page) => {
  for (const [width, name] of [[1440, 'complaint-import-1440.png'], [390, 'complaint-import-390.png']]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${base}/complaints/import`);
    await page.setInputFiles('input[name=file]', process.env.TRANSFER_LIST);
    await page.click('button:has-text("上传并预览")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=有 3 处错误'), 'three defects are reported');
    for (const cell of ['G6', 'A8', 'C12']) {
      assert.ok(await page.isVisible(`td#s0-${cell}.bad`), `${cell} is marked on the sheet`);
    }
    assert.ok(await page.isVisible('td#s0-E7.warn'), 'the merged type cell is flagged');
    assert.ok(!(await page.isVisible('text=确认导入')), 'a list with errors cannot be confirmed');
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(sideways <= 0, `at ${width}px the page scrolls sideways by ${sideways}px`);
    await page.screenshot({ path: join(shots, name), fullPage: true });
  }
  step('the transfer-list preview marks defects on their cells, on a desktop and a phone');
});

// The public: the portal shows the published notice, and an objection filed there reaches the
// office's notice board and the item's page.
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${base}/public/notices`);
  assert.ok(await page.isVisible('text=/即时更新/'), 'the notices are live and say so');
  const notice = page.locator('#notice-14');
  await notice.locator('summary').click();
  await notice.locator('textarea[name=content]').fill('公示期间夜间仍闻到明显异味，请再次核查整改效果。');
  await notice.locator('input[name=contact]').fill('13600001111');
  await notice.locator('button:has-text("提交意见")').click();
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=您的意见已提交'));
  await page.goto(`${base}/public/complaints`);
  assert.ok(await page.isVisible('text=按行政区域和污染类型统计'));
  await page.screenshot({ path: join(shots, 'portal.png'), fullPage: false });
  await context.close();
  step('the public files an objection on the portal');
}
await as('zgb', async (page) => {
  await page.goto(`${base}/notices`);
  const row = page.locator('tbody tr', { has: page.locator('a[href^="/items/14"]') }).first();
  assert.ok((await row.textContent()).includes('1 件'), 'one objection awaits checking');
  await page.goto(`${base}/items/14`);
  assert.ok(await page.isVisible('text=公示期间夜间仍闻到明显异味'));
  assert.ok(await page.isVisible('text=门户网站'));
  await page.goto(`${base}/complaints`);
  assert.ok(await page.isVisible('text=/逾期未反馈/'));
  await page.screenshot({ path: join(shots, 'complaints.png'), fullPage: false });
  step('the objection is in the office queue');
});

// An inspector records a 六个百分之百 inspection with a photo: the failed line gets a deadline
// and shows as awaiting re-check; the re-inspection passes and closes it.
await as('yanshou', async (page) => {
  await page.goto(`${base}/registers?kind=site`);
  await page.click('a:has-text("河安市人民医院门急诊综合楼")');
  await page.waitForLoadState('networkidle');
  const form = page.locator('form#inspect');
  // A week after the server's today (the form's default date), not the browser's: the server
  // may run on another clock (scripts/year-ahead).
  const today = await form.locator('input[name=on]').inputValue();
  const deadline = new Date(Date.parse(today) + 7 * 86400000).toISOString().slice(0, 10);
  await form.locator('input[name=by]').fill('市住建局扬尘治理专班 王某');
  await form.locator('input[name=line_1][value="不符合"]').check();
  await form.locator('input[name=note_1]').fill('东侧砂石料堆未覆盖');
  await form.locator('input[name=photo_1]').setInputFiles(photo);
  await form.locator('input[name=deadline]').fill(deadline);
  await form.locator('button').click();
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=/已记录检查 \\d+：不合格/'), 'the failed inspection is recorded');
  assert.ok(await page.isVisible('h2:has-text("待复查问题")'), 'the failure awaits its re-check');
  assert.ok(await page.isVisible(`text=${deadline}`), 'with its deadline');
  assert.ok(await page.isVisible('text=现场照片（物料堆放覆盖）'), 'the photo is filed under its line');
  await page.screenshot({ path: join(shots, 'register.png'), fullPage: true });
  const recheck = await page.locator('select[name=rechecks] option').nth(1).getAttribute('value');
  await form.locator('input[name=by]').fill('市住建局扬尘治理专班 王某');
  await form.locator('select[name=rechecks]').selectOption(recheck);
  await form.locator('button').click();
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=/已记录检查 \\d+：合格/'), 'the re-inspection passes');
  assert.ok(!(await page.isVisible('h2:has-text("待复查问题")')), 'nothing awaits a re-check');
  assert.ok(await page.isVisible(`text=复查检查 ${recheck}`), 'the timeline links the re-check');
  step('an inspector records a failed dust inspection with a photo, then the passing re-check');
});

// 北岭县's clerk works its part of shared item 3 (各县（区）政府): the month's report with a
// photo, then 报告完成 on its task card.
await as('beiling', async (page) => {
  await page.goto(`${base}/items/3`);
  const card = () => page.locator('ul.task-cards li', { hasText: '北岭县政府' });
  assert.ok(await card().isVisible(), '北岭县 sees its part of the shared item');
  await page.goto(`${base}/items/3/report`);
  await page.fill('textarea[name=text]', '北岭县：排查企业36家，全部完成整治，现场照片已上传。');
  await page.locator('input[name=done]:not([disabled])').first().check();
  await page.setInputFiles('input[name=files]', photo);
  await page.click('button:has-text("提交")');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible(`text=已提交 ${period} 进展`), 'the county files its report');
  await card().locator('input[name=text]').fill('本县排查整治全部完成');
  await card().locator('button:has-text("报告完成")').click();
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=北岭县政府：已完成'), 'its part is done');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#tasks').screenshot({ path: join(shots, 'tasks-phone.png') });
  step('a county clerk reports on its part of a shared item with a photo and reports it done');
});

// The office sees every county's part on the item and in the month's bulletin.
await as('zgb', async (page) => {
  await page.goto(`${base}/items/3`);
  assert.equal(await page.locator('ul.task-cards li').count(), 6, 'six counties and districts');
  assert.ok(await page.locator('ul.task-cards li', { hasText: '北岭县政府' }).locator('text=已完成').first().isVisible());
  await page.locator('#tasks').screenshot({ path: join(shots, 'tasks.png') });
  await page.goto(`${base}/bulletins`);
  await page.fill('input[name=period]', period);
  await page.click('button:has-text("生成通报")');
  await page.waitForLoadState('networkidle');
  const link = await page.locator(`a[href^="/bulletins/${period}/"][href$="/html"]`).first().getAttribute('href');
  // The html version is a download; its text is shown here as the office would open it.
  const html = await (await page.request.get(`${base}${link}`)).text();
  assert.ok(html.includes('共性问题分县（市、区）完成情况'), 'the per-county table of the shared items');
  await page.setContent(html);
  await page.locator('text=共性问题分县（市、区）完成情况').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'bulletin.png'), fullPage: true });
  step('the office sees each county on the shared item and in the bulletin');
});

// A leader opens the cockpit and prints it: one A4 landscape page.
await as('wangjianguo', async (page) => {
  await page.goto(`${base}/cockpit`);
  for (const heading of ['整改完成情况', '红色问题', '县（市、区）排名', '环境质量目标', '信访件与名录反弹']) {
    assert.ok(await page.isVisible(`h2:has-text("${heading}")`), `the cockpit shows ${heading}`);
  }
  await page.screenshot({ path: join(shots, 'cockpit.png'), fullPage: true });
  const pdf = await page.pdf({ preferCSSPageSize: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, 'the cockpit prints on one page');
  writeFileSync(join(shots, 'cockpit.pdf'), pdf);
  step('a leader opens the cockpit and prints it on one A4 landscape page');
});

// No page scrolls sideways on a 390 px phone, for the office and for a county.
for (const [user, pages] of [
  ['zgb', ['/', '/cockpit', '/ledger', '/items/14', '/items/3', '/items/3/report', '/acceptance', '/notices', '/bulletins', '/dispatch',
    '/accountability', '/complaints', '/registers', '/inbox', '/import', '/publish', '/admin', '/air', '/water',
    '/public', '/public/items', '/public/complaints', '/public/notices', '/public/registers', '/items/abc']],
  ['beiling', ['/', '/ledger', '/items/3', '/items/3/report', '/notices', '/bulletins', '/complaints', '/registers',
    '/inbox']],
]) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button:has-text("登录")');
  await page.waitForLoadState('networkidle');
  for (const path of pages) {
    await page.goto(`${base}${path}`);
    const [scroll, client] = await page.evaluate(() =>
      [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client, `${user} ${path} scrolls sideways on a phone: ${scroll} > ${client}`);
  }
  await context.close();
}
step('no page scrolls sideways on a 390 px phone');

await browser.close();
console.log(`${steps.length} browser steps passed`);
