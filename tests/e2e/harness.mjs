// Shared by the browser end-to-end tests: the built site (www/) served on 127.0.0.1 and driven
// by playwright-core in Debian's headless Chromium, plus helpers that read the page as a user sees it.
import { after, before } from 'node:test';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const SHOTS = `${ROOT}screenshots`;

/** Starts the server and the browser before the file's tests and stops them after. */
export function useSite({ extraArgs = [] } = {}) {
  const site = {};
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    site.server = await serve(`${ROOT}www`, 0);
    site.base = `http://127.0.0.1:${site.server.address().port}/`;
    site.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
    });
  });
  after(async () => {
    await site.browser?.close();
    site.server?.close();
  });
  /** A fresh context on the page, with console errors and any request leaving the origin recorded;
   * `setup(context)` runs before the page opens (routes, init scripts). */
  // Service workers are blocked unless a test asks for one (the offline test): a worker serving the
  // build from its cache would bypass the routes other tests use to make requests fail.
  site.open = async ({ wait = true, viewport = { width: 1280, height: 1000 }, setup = null, serviceWorkers = 'block' } = {}) => {
    const context = await site.browser.newContext({ viewport, acceptDownloads: true, serviceWorkers });
    await setup?.(context);
    const page = await context.newPage();
    const errors = [];
    const foreign = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    context.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(site.base) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
    });
    await page.goto(site.base);
    if (wait) await settled(page);
    return { page, context, errors, foreign };
  };
  return site;
}

/** Waits until a map is shown and no computation is running. */
export async function settled(page) {
  try {
    await page.waitForFunction(() => document.getElementById('figure-title').textContent.includes('target =')
      && !document.body.classList.contains('busy'), null, { timeout: 120_000 });
  } catch (e) {
    throw new Error(`${e.message}\npage state: ${JSON.stringify(await pageState(page))}`);
  }
}

/** What a user would see when a wait fails: the status line, the title, the error banner. */
async function pageState(page) {
  return page.evaluate(() => ({
    status: document.getElementById('status')?.textContent,
    title: document.getElementById('figure-title')?.textContent,
    busy: document.body.classList.contains('busy'),
    mapsShown: document.body.dataset.mapsShown,
    error: document.getElementById('error')?.hidden === false ? document.getElementById('error-text')?.textContent : null,
  })).catch((e) => `unreadable (${e.message})`);
}

/** Runs `action` and waits for the map it triggers (the page counts the maps it has drawn). */
export async function recompute(page, action) {
  const before = await page.evaluate(() => document.body.dataset.mapsShown);
  await action();
  try {
    await page.waitForFunction((n) => !document.body.classList.contains('busy') && document.body.dataset.mapsShown !== n,
      before, { timeout: 120_000 });
  } catch (e) {
    throw new Error(`${e.message}\npage state: ${JSON.stringify(await pageState(page))}`);
  }
}

export const pixels = (page, id) => page.evaluate((id) => {
  const c = document.getElementById(id);
  return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
}, id);

export function distinctColors(px) {
  const s = new Set();
  for (let i = 0; i < px.length; i += 4) s.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
  return s.size;
}

/** The class bars as a user reads them. */
export const answer = (page) => page.evaluate(() => {
  const bars = [...document.querySelectorAll('#bars .bar')];
  return {
    predicted: bars.findIndex((b) => b.classList.contains('predicted')),
    truth: bars.findIndex((b) => b.classList.contains('truth')),
    target: bars.findIndex((b) => b.getAttribute('aria-pressed') === 'true'),
    title: document.getElementById('figure-title').textContent,
    percents: bars.map((b) => b.querySelector('.bar-value').textContent),
    text: document.getElementById('answer').textContent,
  };
});

export async function pick(page, index) {
  await recompute(page, () => page.click(`#gallery .thumb[data-index="${index}"]`));
}

/** One freehand stroke on the drawing pad, from `a` to `b` (pixels from its corner), as a mouse draws it. */
export async function stroke(page, [x0, y0], [x1, y1], steps = 10) {
  const pad = await page.locator('#pad').boundingBox();
  await page.mouse.move(pad.x + x0, pad.y + y0);
  await page.mouse.down();
  await page.mouse.move(pad.x + x1, pad.y + y1, { steps });
  await page.mouse.up();
}

/** Gallery thumb `k` as the visitor sees it: its slice of the gallery's picture (one image, one
 * thumb above the next), as {width, height, png} with the slice enlarged to `scale` times. */
export async function thumbPicture(page, k, scale = 1) {
  await page.waitForFunction(() => document.getElementById('gallery').dataset.sprite);
  return page.evaluate(async ([k, scale]) => {
    const root = document.getElementById('gallery');
    const img = new Image();
    img.src = root.dataset.sprite;
    await img.decode();
    const rows = Number(root.style.getPropertyValue('--sprite-rows'));
    const [w, h] = [img.naturalWidth, img.naturalHeight / rows];
    const c = document.createElement('canvas');
    c.width = w * scale;
    c.height = h * scale;
    const ctx = c.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, k * h, w, h, 0, 0, c.width, c.height);
    return { width: w, height: h, png: c.toDataURL('image/png').split(',')[1] };
  }, [k, scale]);
}
