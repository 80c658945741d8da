// Works offline after the first visit: the service worker caches the build, and with the network
// switched off the page loads, draws a map, switches to CIFAR-10 and reopens a link.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recompute, settled, useSite } from './harness.mjs';

const site = useSite();

describe('offline', () => {
  test('after one visit the page loads and explains with the network off', { timeout: 300_000 }, async () => {
    const { page, context, errors, foreign } = await site.open({ serviceWorkers: 'allow' });
    const version = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.active.scriptURL;
    });
    assert.match(version, /sw\.js$/);
    const before = await page.evaluate(() => document.getElementById('view-heatmap').toDataURL());
    await context.setOffline(true);
    await page.reload();
    await settled(page);
    assert.equal(await page.evaluate(() => document.getElementById('view-heatmap').toDataURL()), before, 'the same first map offline');
    await recompute(page, () => page.selectOption('#method', 'ig'));
    await recompute(page, () => page.check('input[name="dataset"][value="cifar10"]'));
    await page.waitForFunction(() => document.getElementById('view-heatmap').dataset.dataset === 'cifar10');
    // A fresh tab on a link, still offline.
    const link = await page.inputValue('#share-link');
    const tab = await context.newPage();
    await tab.goto(link);
    await settled(tab);
    assert.equal(await tab.evaluate(() => document.getElementById('view-heatmap').dataset.dataset), 'cifar10');
    assert.equal(await tab.inputValue('#method'), 'ig');
    const cacheNames = await page.evaluate(() => caches.keys());
    assert.equal(cacheNames.filter((k) => k.startsWith('saliency-')).length, 1, JSON.stringify(cacheNames));
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    await context.close();
  });
});
