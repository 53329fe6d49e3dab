/**
 * Search in Chromium over the site the CLI builds from the real archive sample: queries in both scripts give
 * the results the index holds (site, date, title, link), a ?q= link is shareable, and a query's transfer stays
 * within budget on an emulated 1.6 Mbps / 150 ms link over a generated archive.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
// @ts-expect-error: the bench is plain JavaScript
import { makeArchive, SITES } from '../../bench/corpus.mjs';
import { serveSite } from '../../src/render/index.js';
import { querySearchIndex } from '../../src/search/index.js';
import { cli, ROOT, tempDir, writeConfig } from '../pipeline/harness.js';
import { buildSampleSite } from '../search/sample.js';
import { launchChromium } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');
let browser: Browser;
let sample: Awaited<ReturnType<typeof buildSampleSite>>;
let url: string;
let closeServer: () => Promise<void>;

before(async () => {
  browser = await launchChromium();
  sample = await buildSampleSite();
  ({ url, close: closeServer } = await serveSite(sample.siteDir));
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await Promise.all([browser?.close(), closeServer?.()]);
});

async function results(page: Page): Promise<{ status: string; items: { date: string; title: string; site: string; href: string }[] }> {
  await page.waitForFunction(() => /条结果|没有结果|出错/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 20_000 });
  const items = await page.locator('#results li').evaluateAll((lis) =>
    lis.map((li) => ({ date: li.querySelector('.date')!.textContent!, title: li.querySelector('a')!.textContent!, site: li.querySelector('.meta')!.textContent!.trim(), href: li.querySelector('a')!.getAttribute('href')! })),
  );
  return { status: (await page.locator('#status').textContent()) ?? '', items };
}

test('queries in either script in Chromium: the same results as the index, newest first, with site, date, title and link', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const outside: string[] = [];
  // Search itself (page, script, index) stays on loopback; an article followed at the end may show images
  // through the archive's image proxy, which are aborted here and not counted.
  page.on('request', (r) => {
    if (!r.url().startsWith('http://127.0.0.1:') && r.resourceType() !== 'image') outside.push(r.url());
  });
  await page.route((u) => !u.href.startsWith('http://127.0.0.1:'), (route) => route.abort());
  try {
    for (const [q, same] of [['习近平', '習近平'], ['台湾', '臺灣'], ['国安法', '國安法'], ['美国 制裁', '美國 制裁'], ['TikTok', 'tiktok'], ['气候', '氣候']] as const) {
      const want = querySearchIndex(sample.siteDir, q).hits;
      assert.ok(want.length > 0, q);
      const got: Awaited<ReturnType<typeof results>>[] = [];
      for (const x of [q, same]) {
        await page.goto(`${url}search.html?q=${encodeURIComponent(x)}`);
        got.push(await results(page));
      }
      assert.deepEqual(got[1], got[0], `${same} = ${q}`);
      assert.match(got[0]!.status, new RegExp(`^${want.length} 条结果`));
      assert.deepEqual(got[0]!.items.map((i) => i.href), want.slice(0, 20).map((h) => h.url), q);
      for (const [i, item] of got[0]!.items.entries()) {
        assert.equal(item.title, want[i]!.title);
        assert.match(item.date, /^20\d\d-\d\d-\d\d$/);
        assert.ok(['BBC', '美国之音', '中国数字时代', '德国之声'].includes(item.site), item.site);
      }
    }
    // A word's characters scattered do not match: 特朗普 finds only articles with the name written.
    await page.goto(`${url}search.html?q=${encodeURIComponent('特朗普')}`);
    const trump = await results(page);
    assert.match(trump.status, new RegExp(`^${querySearchIndex(sample.siteDir, '特朗普').hits.length} 条结果`));
    assert.match(trump.status, /^40 条结果/);
    // Follow a result to its article.
    await page.locator('#results li a').first().click();
    await page.waitForURL(/\/(bbc|voa|cdt|dw)\/\d+\.html$/);
    assert.match(await page.locator('article').innerText(), /特朗普/);
    assert.deepEqual(outside, [], 'no request leaves 127.0.0.1');
  } finally {
    await context.close();
  }
});

test('typing a query makes a shareable ?q= link; opening it shows the same results; more results on request', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  try {
    await page.goto(`${url}search.html`);
    await page.locator('#q').fill('德國');
    const typed = await results(page);
    await page.waitForURL((u) => u.search === `?q=${encodeURIComponent('德國')}`);
    const link = page.url();
    await page.screenshot({ path: path.join(SHOTS, 'search-phone.png') });
    const other = await context.newPage();
    await other.goto(link);
    assert.deepEqual(await results(other), typed, 'the shared link shows the same results');
    const total = Number(/^(\d+)/.exec(typed.status)![1]);
    assert.ok(total > 20 && typed.items.length === 20, `${total} results, first 20 shown`);
    await other.locator('#more').click();
    await other.waitForFunction(() => document.querySelectorAll('#results li').length > 20);
    assert.equal(await other.locator('#results li').count(), Math.min(40, total));
    // The form works without the script too: it submits ?q=.
    await other.goto(`${url}search.html`);
    await other.locator('#q').fill('香港');
    await other.locator('#q').press('Enter');
    await other.waitForURL(/\?q=/);
    assert.ok((await results(other)).items.length > 0);
  } finally {
    await context.close();
  }
});

test('transfer budget on an emulated 1.6 Mbps / 150 ms link: a two-word query over a generated archive', async () => {
  // A generated archive (bench corpus), imported and rendered by the CLI.
  const dir = tempDir('nm-search-bench-');
  await makeArchive(path.join(dir, 'archive'), 3000);
  writeConfig(dir, (SITES as string[]).map((abbr) => ({ name: abbr.toUpperCase(), abbr, feed: `http://127.0.0.1:9/${abbr}.xml` })));
  const r = await cli(['render'], dir, 300_000);
  assert.equal(r.code, 0, r.stderr);
  const siteDir = path.join(dir, 'archive', 'site');
  // Two words of an article's title (the corpus draws characters at random, so words are its bigrams).
  const title = JSON.parse(readFileSync(path.join(siteDir, 'search', 'docs', '0.json'), 'utf8'))[0][2] as string;
  const q = `${title.slice(0, 2)} ${title.slice(6, 8)}`;
  const want = querySearchIndex(siteDir, q).hits;
  assert.ok(want.length >= 1, q);
  const server = await serveSite(siteDir);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 1_600_000 / 8 });
    let bytes = 0;
    const files: string[] = [];
    const urls = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (e: { requestId: string; request: { url: string } }) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
      files.push(`${urls.get(e.requestId)} ${e.encodedDataLength}`);
    });
    await page.goto(`${server.url}search.html?q=${encodeURIComponent(q)}`);
    const got = await results(page);
    assert.deepEqual(got.items.map((i) => i.href), want.slice(0, 20).map((h) => h.url));
    console.log(`# query "${q}" over 3,000 articles: ${bytes} bytes in ${files.length} requests (page, stylesheet, script, index)`);
    assert.ok(bytes <= 300 * 1024, `${bytes} bytes:\n${files.join('\n')}`);
    cpSync(path.join(siteDir, 'search', 'index.json'), path.join(ROOT, 'test-artifacts', 'search-index-3000.json'));
  } finally {
    await context.close();
    await server.close();
  }
});
