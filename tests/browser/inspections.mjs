// Special inspections and coal in a real browser, at 1440 px and at a 390 px phone: the office
// opens a round and records a finding that reopens a signed-off item, which the item's page
// then shows; a county's clerk reads its coal chart on a phone; the office exports the coal
// workbook and imports it back through the preview.
// Run by crates/rectify/tests/browser.rs with BASE_URL, PASSWORD, SCREENSHOTS, PHOTO, CHROMIUM.
import { strict as assert } from 'node:assert';
import { fits, launch, signedIn } from './session.mjs';
import { join } from 'node:path';

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOTS;
const photo = process.env.PHOTO;

const browser = await launch();

const WIDTHS = {
  1440: { viewport: { width: 1440, height: 900 } },
  390: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

const as = (user, width, run) =>
  signedIn(browser, { url: `${base}/login`, user, password, options: WIDTHS[width] }, run);

const steps = [];
function step(name) { steps.push(name); console.log(`ok - ${name}`); }

async function shot(page, name) {
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

// The office records, at each width, a finding that reopens a signed-off item.
for (const [width, item] of [[1440, 38], [390, 5]]) {
  await as('zgb', width, async (page) => {
    await page.goto(`${base}/inspections`);
    assert.ok(await page.isVisible('a:has-text("督察")'), 'the menu links the inspections');
    await fits(page, `/inspections at ${width}`);
    await shot(page, `inspections-${width}.png`);
    // A mistake is named and the form comes back filled in.
    await page.fill('input[name=name]', `冬季大气专项督察（${width}）`);
    await page.fill('input[name=scope]', '全市已销号整改问题');
    await page.fill('input[name=team]', '市督察整改办第一督察组');
    const from = await page.inputValue('input[name=from]');
    await page.fill('input[name=to]', '2000-01-01');
    await page.click('button:has-text("开展督察")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=早于开始日期'), 'an end before the start is refused');
    assert.equal(await page.inputValue('input[name=team]'), '市督察整改办第一督察组');
    await page.fill('input[name=to]', from);
    await page.click('button:has-text("开展督察")');
    await page.waitForLoadState('networkidle');
    assert.match(page.url(), /\/inspections\/\d+/, 'the round is opened');
    step(`the office opens a round at ${width} px`);

    await page.selectOption('select[name=outcome]', '重新打开');
    await page.fill('textarea[name=description]', `浏览器督察：第${item}项点位再次出现违规排放`);
    await page.fill('input[name=item]', String(item));
    await page.setInputFiles('input[name=photos]', photo);
    await page.click('button:has-text("记录发现")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=已记录督察发现：重新打开'), 'the finding is recorded');
    assert.ok(await page.isVisible('.findings-list img[alt="photo.png"]'), 'its photo is shown');
    await fits(page, `the round at ${width}`);
    await shot(page, `inspection-${width}.png`);
    step(`the office records a finding that reopens item ${item} at ${width} px`);

    await page.click(`.findings-list a:has-text("第${item}项")`);
    await page.waitForLoadState('networkidle');
    assert.match(page.url(), new RegExp(`/items/${item}`));
    assert.ok(await page.isVisible('text=已重开'), 'the item is reopened');
    assert.ok(await page.isVisible(`text=浏览器督察：第${item}项点位再次出现违规排放`), 'with the finding');
    await shot(page, `inspection-item-${width}.png`);
    step(`item ${item}'s page shows it reopened with the finding at ${width} px`);
  });
}

// A county's clerk reads its coal on a phone: the chart fits and its labels stay legible.
await as('beiling', 390, async (page) => {
  await page.goto(`${base}/coal`);
  assert.ok(await page.isVisible('h2:has-text("北岭县政府")'), 'its own county');
  assert.equal(await page.locator('select[name=county]').count(), 0, 'no other county to choose');
  const chart = page.locator('.coal-chart svg');
  const box = await chart.boundingBox();
  assert.ok(box.width >= 300 && box.width <= 390, `the chart spans the screen (${box.width} px)`);
  const label = await page.locator('.coal-chart svg text').first().boundingBox();
  assert.ok(label.height >= 9, `the chart's labels are legible (${label.height} px high)`);
  assert.ok(await page.isVisible('ul.warnings li:has-text("煤炭消费")'), 'the warning is shown');
  await fits(page, '/coal at 390');
  await shot(page, 'coal-county-390.png');
  await page.locator('.coal-chart').screenshot({ path: join(shots, 'coal-chart-390.png') });
  const other = await page.goto(`${base}/coal?county=${encodeURIComponent('丰乐县政府')}`);
  assert.equal(other.status(), 404, "another county's coal is not found");
  step('a county reads its coal chart on a phone, and not another county\'s');
});

// The office: every county at 1440 and 390; the workbook exported and imported back.
for (const width of [1440, 390]) {
  await as('zgb', width, async (page) => {
    await page.goto(`${base}/coal`);
    assert.ok(await page.isVisible('select[name=county]'), 'the office chooses the county');
    await page.selectOption('select[name=county]', '丰乐县政府');
    await page.click('form.filters button');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('h2:has-text("丰乐县政府")'));
    assert.ok(await page.isVisible('ul.warnings li:has-text("清洁取暖")'), 'switching behind is warned');
    await fits(page, `/coal at ${width}`);
    await shot(page, `coal-office-${width}.png`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a:has-text("导出 xlsx")'),
    ]);
    const saved = join(shots, `coal-export-${width}.xlsx`);
    await download.saveAs(saved);
    await page.setInputFiles('input[name=file]', saved);
    await page.click('button:has-text("上传并预览")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=没有错误'), 'the export reads back without a finding');
    await fits(page, `the coal import preview at ${width}`);
    await shot(page, `coal-import-${width}.png`);
    await page.click('button:has-text("确认导入")');
    await page.waitForLoadState('networkidle');
    assert.ok(await page.isVisible('text=已导入'), 'the workbook is imported');
    step(`the office reads, exports and imports coal at ${width} px`);
  });
}

await browser.close();
console.log(`${steps.length} browser steps passed`);
