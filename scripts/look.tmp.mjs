import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';
const server = await serve('www', 0);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
for (const w of process.argv.slice(2)) {
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
await page.goto(base);
await page.waitForFunction(() => document.getElementById('figure-title').textContent.includes('target ='), null, { timeout: 60000 });
await page.click('#train > summary');
await page.waitForFunction(() => /Press Train/.test(document.getElementById('train-status').textContent), null, { timeout: 120000 });
await page.fill('#train-images', '20000');
await page.fill('#train-every', '1000');
await page.selectOption('#train-workers', w);
await page.click('#train-start');
await page.waitForFunction(() => /Done|stopped|Stopped/.test(document.getElementById('train-status').textContent), null, { timeout: 300000, polling: 1000 });
console.log(w, await page.textContent('#train-status'));
await page.close();
}
await browser.close(); server.close();
