// The province over its cities in a real browser, at 1440 px and at a 390 px phone: the
// province's office signs in on the province's host, reads every city side by side, previews
// last month's roll-up (a city without a frozen bulletin is 未报), issues the province's
// bulletin and downloads its docx. Every page fits the phone's width.
// Run by crates/rectify/tests/browser.rs with PROVINCE_URL, PERIOD, PASSWORD, SCREENSHOTS, CHROMIUM.
import { strict as assert } from 'node:assert';
import { fits, launch, signIn } from './session.mjs';
import { join } from 'node:path';

const base = process.env.PROVINCE_URL;
const period = process.env.PERIOD;
const password = process.env.PASSWORD;
const shots = process.env.SCREENSHOTS;

// *.localhost is the loopback address; the rule keeps it so whatever the resolver says.
const browser = await launch(['--host-resolver-rules=MAP *.localhost 127.0.0.1']);

const WIDTHS = {
  1440: { viewport: { width: 1440, height: 900 } },
  390: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

const steps = [];
function step(name) { steps.push(name); console.log(`ok - ${name}`); }

async function shot(page, name) {
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

for (const width of [1440, 390]) {
  const context = await browser.newContext({ ...WIDTHS[width], locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, `${base}/`, 'shengban', password);
  assert.match(page.url(), /\/province$/, 'the province office lands on the overview');
  for (const city of ['南江市', '北河市']) {
    assert.ok(await page.isVisible(`td:has-text("${city}")`), `${city} is on the overview`);
  }
  assert.ok(!(await page.isVisible('a:has-text("台账")')), 'no city page in the menu');
  await fits(page, `/province at ${width}`);
  // No figure spills out of its cell (or, on a phone, out of its city's card).
  const spilled = await page.evaluate(() => [...document.querySelectorAll('table.province td')]
    .filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.dataset.label));
  assert.deepEqual(spilled, [], `cells wider than their box at ${width}`);
  await shot(page, `province-${width}.png`);
  step(`the province sees every city at ${width} px`);

  await page.click('header a:has-text("省级通报")');
  await page.fill('input[name=period]', period);
  await page.click('button:has-text("查看汇总")');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('text=未报：北河市'), 'the city without a bulletin is named');
  await fits(page, `/province/bulletins at ${width}`);
  await page.click('button:has-text("生成并冻结")');
  await page.waitForLoadState('networkidle');
  assert.ok(await page.isVisible('p.note:has-text("已生成并冻结")'), 'the bulletin is frozen');
  await fits(page, `/province/bulletins after issuing at ${width}`);
  await shot(page, `province-bulletins-${width}.png`);
  step(`the province issues ${period} at ${width} px`);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a:has-text("docx") >> nth=0'),
  ]);
  assert.match(download.suggestedFilename(), /全省整改进展通报-.*\.docx$/);
  const file = await download.path();
  assert.ok(file, 'the docx arrived');
  step(`the province downloads its bulletin at ${width} px`);
  await context.close();
}

await browser.close();
console.log(`${steps.length} province browser steps passed`);
