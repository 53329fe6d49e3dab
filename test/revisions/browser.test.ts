/**
 * What readers see of edits and deletions, in a real browser with JavaScript off (Debian's chromium via
 * playwright-core): the notice, the versions, the word diff, and the pages of edited and removed stories.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { serveSite } from '../../src/render/index.js';
import { ROOT } from '../pipeline/harness.js';
import { axeViolations, describeViolations } from '../browser/axe.js';
import { H, T0, startFeedServer, startSite, story } from '../recheck/site.js';

const CHROMIUM = '/usr/bin/chromium';
const server = await startFeedServer();
after(() => server.close());

test('an edited and a removed story, read without JavaScript', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup-chromium.sh`);
  const s = await startSite(server, 2);
  await s.run(T0, ['--no-recheck']);
  s.show(0, { ...story(0), paragraphs: ['国会周三否决了这项预算法案。', ...story(0).paragraphs.slice(1)] });
  s.set(1, { status: 410, body: 'gone', type: 'text/html' });
  await s.recheck(T0 + H);
  await s.recheck(T0 + 2 * H);
  const site = await serveSite(path.join(s.archive, 'site'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(site.url)) outside.push(r.url());
    });
    await page.goto(`${site.url}test/${0xffffe}.html`);
    const notice = await page.locator('p.notice').first().innerText();
    assert.match(notice, /原文已修改 \/ edited at the source — 2 个版本/);
    // The notice leads to the versions below the article.
    await page.click('p.notice a');
    assert.match(page.url(), /#history$/);
    assert.equal(await page.locator('.history ol li').count(), 2);
    // The newest diff is open without a script; deletions are struck through.
    assert.ok(await page.locator('.history details[open] del').first().isVisible());
    assert.ok((await page.locator('.history ins').count()) > 0);
    const strike = await page.locator('.history del').first().evaluate((e) => getComputedStyle(e).textDecorationLine);
    assert.match(strike, /line-through/);
    mkdirSync(path.join(ROOT, 'test-artifacts', 'screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'screenshots', 'edited-article.png'), fullPage: true });
    await page.goto(`${site.url}test/${0xffffd}.html`);
    assert.match(await page.locator('p.notice').innerText(), /原文已删除 \/ removed at the source on 2024-03-01/);
    await page.goto(`${site.url}index.html`);
    await page.click('text=原文已删除 Removed at the source');
    assert.match(page.url(), /removed\.html$/);
    assert.deepEqual(await page.locator('ul.list li a').allInnerTexts(), [story(1).title]);
    await page.goto(`${site.url}edited.html`);
    assert.deepEqual(await page.locator('ul.list li a').allInnerTexts(), [story(0).title]);
    assert.deepEqual(outside, []);
    // The history pages pass axe (0 serious or critical violations), in light and dark mode.
    const axeContext = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
    const axePage = await axeContext.newPage();
    for (const scheme of ['light', 'dark'] as const) {
      await axePage.emulateMedia({ colorScheme: scheme });
      for (const url of [`test/${0xffffe}.html`, `test/${0xffffd}.html`, 'edited.html', 'removed.html']) {
        await axePage.goto(`${site.url}${url}`);
        const vs = await axeViolations(axePage);
        assert.deepEqual(vs, [], `${url} (${scheme}):\n${describeViolations(vs)}`);
      }
    }
  } finally {
    await browser.close();
    await site.close();
  }
});
