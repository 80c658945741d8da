// Lighthouse (mobile, default simulated throttling) on the built site, served as scripts/demo.sh
// serves it: prints every run's four category scores and metrics, then the spread. One run says
// little (the simulation starts from one observed trace), so it runs several.
// Usage: node scripts/lighthouse.mjs [--runs N] [--out DIR]   (after scripts/build-web.sh)
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve } from './serve.mjs';

const ROOT = new URL('../', import.meta.url).pathname;
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const runs = Number(arg('--runs', 10));
const outDir = arg('--out', mkdtempSync(join(tmpdir(), 'lighthouse-')));
const chrome = process.env.CHROMIUM ?? '/usr/bin/chromium';
const run = promisify(execFile);

const server = await serve(join(ROOT, 'www'), 0);
const url = `http://127.0.0.1:${server.address().port}/`;
const { stdout: version } = await run(chrome, ['--version']);
console.log(`${version.trim()}; serving ${url}; reports in ${outDir}`);

const rows = [];
try {
  for (let i = 1; i <= runs; i++) {
    const out = join(outDir, `run-${i}.json`);
    await run(join(ROOT, 'node_modules/.bin/lighthouse'), [url, '--quiet', '--output=json', `--output-path=${out}`,
      '--chrome-flags=--headless=new --no-sandbox'], { env: { ...process.env, CHROME_PATH: chrome } });
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const m = report.audits.metrics.details.items[0];
    const score = (k) => report.categories[k].score;
    const row = {
      performance: score('performance'), accessibility: score('accessibility'),
      'best-practices': score('best-practices'), seo: score('seo'),
      FCP: m.firstContentfulPaint, LCP: m.largestContentfulPaint, TBT: m.totalBlockingTime,
      CLS: m.cumulativeLayoutShift, SI: m.speedIndex, observedFCP: m.observedFirstContentfulPaint,
    };
    rows.push(row);
    console.log(`run ${i}: ${Object.entries(row).map(([k, v]) => `${k} ${+v.toFixed(k === 'CLS' ? 3 : v < 1 ? 2 : 0)}`).join(', ')}`);
  }
} finally {
  server.close();
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };
for (const key of Object.keys(rows[0] ?? {})) {
  const xs = rows.map((r) => r[key]);
  console.log(`${key}: median ${+median(xs).toFixed(3)}, min ${+Math.min(...xs).toFixed(3)}, max ${+Math.max(...xs).toFixed(3)}`);
}
