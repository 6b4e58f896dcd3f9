// Complaints in the browser (#21), at 1440 px and on a 390 px phone: the office filters the list,
// draws a seeded spot-check and returns one complaint for re-handling; a county clerk files
// feedback with the 一览表's figures, which the office then sees and publishes to the portal.
// Run by crates/rectify/tests/browser.rs with BASE_URL, PASSWORD, SCREENSHOTS and CHROMIUM set.
import { strict as assert } from 'node:assert';
import { fits, launch, signedIn } from './session.mjs';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOTS;

const browser = await launch();

const WIDTHS = [
  { width: 1440, options: { viewport: { width: 1440, height: 900 } } },
  { width: 390, options: { viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 } },
];

const as = (user, size, run) =>
  signedIn(browser, { url: `${base}/complaints`, user, password, options: size.options }, run);

const steps = [];
function step(name) { steps.push(name); console.log(`ok - ${name}`); }

async function shot(page, name, width) {
  await fits(page, `${name} at ${width}`);
  await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
}

for (const size of WIDTHS) {
  const w = size.width;

  // The office filters the list; the filter stays in the address.
  await as('zgb', size, async (page) => {
    const all = await page.locator('table.cardtable tbody tr').count();
    await page.selectOption('select[name=region]', '北岭县');
    await page.selectOption('select[name=state]', '未反馈');
    await page.click('form.filters button:has-text("筛选")');
    await page.waitForLoadState('networkidle');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('region'), '北岭县');
    const rows = await page.locator('table.cardtable tbody tr').count();
    assert.ok(rows > 0 && rows < all, `the filter narrows ${all} to ${rows}`);
    for (const cell of await page.locator('td[data-label="行政区域"]').allTextContents()) {
      assert.equal(cell, '北岭县');
    }
    assert.equal(await page.inputValue('select[name=region]'), '北岭县', 'the form keeps the filter');
    const download = page.waitForEvent('download');
    await page.click('a:has-text("一览表（xlsx）")');
    assert.match((await download).suggestedFilename(), /\.xlsx$/);
    await shot(page, 'complaints-list', w);
    step(`${w}: the office filters the complaints and exports the 一览表`);

    // The seeded spot-check: draw three, return the first, pass the second.
    await page.goto(`${base}/complaints/spotchecks`);
    await page.fill('input[name=seed]', String(20261207 + w));
    await page.fill('input[name=size]', '3');
    await page.click('button:has-text("抽取")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=/已办结信访件中抽取 3 件/'), 'three are drawn');
    const round = page.locator('section[id^=round-]').first();
    const first = round.locator('ul.spot-checks li').first();
    const returned = (await first.locator('a').first().textContent()).trim();
    await first.locator('select[name=verdict]').selectOption('不合格');
    await first.locator('input[name=reason]').fill('未附现场核查照片，整改情况不清');
    await first.locator('button:has-text("登记")').click();
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible(`text=${returned} 抽查不合格，已退回承办单位重新办理`));
    const second = page.locator('section[id^=round-]').first().locator('ul.spot-checks li').nth(1);
    await second.locator('select[name=verdict]').selectOption('合格');
    await second.locator('button:has-text("登记")').click();
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=/抽查合格/'));
    await shot(page, 'spotchecks', w);
    await page.goto(`${base}/complaints/${returned}`);
    assert.ok(await page.isVisible('text=/退回重办/'));
    assert.ok(await page.isVisible('td:has-text("正在办理")'), 'the returned complaint is back in handling');
    step(`${w}: the office spot-checks and returns ${returned} for re-handling`);
  });

  // A county clerk files feedback with its figures; a bad figure is refused by name first.
  let filed = '';
  await as('beiling', size, async (page) => {
    const total = await page.locator('table.cardtable tbody tr').count();
    await page.selectOption('select[name=state]', '未反馈');
    await page.click('form.filters button:has-text("筛选")');
    await page.waitForLoadState('networkidle');
    assert.ok((await page.locator('table.cardtable tbody tr').count()) <= total);
    filed = (await page.locator('td[data-label="受理编号"] a').first().textContent()).trim();
    await page.goto(`${base}/complaints/${filed}`);
    await page.fill('textarea[name=investigation]', '经现场核查，该企业夜间生产时废气收集设施未开启。');
    await page.selectOption('select[name=verdict]', '属实');
    await page.fill('textarea[name=result]', '责令立即整改，立案处罚，罚款一万二千元零五角，约谈企业负责人。');
    await page.selectOption('select[name=state]', '已办结');
    await page.fill('input[name=ordered]', '1');
    await page.fill('input[name=penalised]', '1');
    await page.fill('input[name=penalty_yuan]', '-5');
    await page.fill('input[name=interviewed]', '2');
    await page.fill('input[name=transferred]', '1');
    await page.click('button:has-text("保存")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=/罚款（元）“-5”/'), 'a negative fine is refused, naming the field');
    await page.fill('textarea[name=investigation]', '经现场核查，该企业夜间生产时废气收集设施未开启。');
    await page.fill('textarea[name=result]', '责令立即整改，立案处罚，罚款一万二千元零五角，约谈企业负责人。');
    await page.selectOption('select[name=verdict]', '属实');
    await page.selectOption('select[name=state]', '已办结');
    await page.fill('input[name=ordered]', '1');
    await page.fill('input[name=penalised]', '1');
    await page.fill('input[name=penalty_yuan]', '12000.5');
    await page.fill('input[name=interviewed]', '2');
    await page.fill('input[name=transferred]', '1');
    await page.click('button:has-text("保存")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=已保存办理结果'));
    assert.ok(await page.isVisible('text=/罚款（元） 12000.5.*移送（件） 1/'));
    await shot(page, 'complaint-feedback', w);
    step(`${w}: beiling files feedback on ${filed} with its figures`);
  });

  // The office sees the figures, publishes, and the portal's totals carry the fine.
  await as('zgb', size, async (page) => {
    await page.goto(`${base}/complaints/${filed}`);
    assert.ok(await page.isVisible('text=/立案处罚（家） 1；罚款（元） 12000.5/'));
    await page.goto(`${base}/publish?complaints=1`);
    await page.click('button:has-text("审核发布")');
    await page.waitForLoadState('networkidle');
    await page.goto(`${base}/public/complaints`);
    const summary = await page.locator('p.sub').first().textContent();
    const fine = Number(summary.match(/罚款 ([0-9.]+) 元/)[1]);
    assert.ok(fine >= 12000.5, `the portal's total fine counts the new feedback: ${summary}`);
    assert.ok(await page.isVisible(`text=${filed}`), 'the answered complaint is published');
    await page.screenshot({ path: join(shots, `portal-complaints-${w}.png`), fullPage: false });
    await page.goto(`${base}/accountability`);
    await shot(page, 'accountability', w);
    step(`${w}: the office sees the figures and the portal totals them`);
  });
}

await browser.close();
console.log(`${steps.length} complaint browser steps passed`);
