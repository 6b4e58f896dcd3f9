import { chromium } from 'playwright-core';
const [user, path, out, ys] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 1, locale: 'zh-CN' });
const page = await context.newPage();
await page.goto('http://127.0.0.1:8147/login');
await page.fill('input[name=username]', user);
await page.fill('input[name=password]', 'correct horse battery');
await page.click('button:has-text("登录")');
await page.waitForLoadState('networkidle');
await page.goto('http://127.0.0.1:8147' + path);
for (const y of ys.split(',')) {
  await page.screenshot({ path: `${out}-${y}.png`, fullPage: true, clip: { x: 0, y: Number(y), width: 390, height: 844 } });
}
await browser.close();
