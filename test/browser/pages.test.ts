/**
 * Pages that read well, in real Chromium, over the website the real CLI builds from the real archive sample:
 * axe-core finds no serious or critical violation (light and dark), CJK typography with no web fonts, dark
 * mode, previous/next within a site, article weight, no JavaScript but on the search page, and screenshots at
 * desktop and phone widths kept in test-artifacts/screenshots/pages/.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { serveSite } from '../../src/render/index.js';
import { ROOT, cli, tempDir, writeConfig } from '../pipeline/harness.js';
import { axeViolations, describeViolations } from './axe.js';
import { launchChromium } from './chromium.js';

const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots', 'pages');
const REAL = fileURLToPath(new URL('../fixtures/real-archive/', import.meta.url));

/**
 * The pages axe checks: one of each kind. A new kind of page (history pages, …) is one more line here.
 * `ready` waits for what the page shows after loading (search results).
 */
const PAGES: { name: string; url: string; ready?: string }[] = [
  { name: 'index', url: 'index.html' },
  { name: 'list', url: 'dw/index.html' },
  { name: 'list-page', url: 'dw/page/1.html' },
  { name: 'article', url: 'cdt/399852.html' },
  { name: 'article-long', url: 'cdt/399983.html' },
  { name: 'article-images', url: 'dw/1048272.html' },
  { name: 'search', url: 'search.html?q=%E6%99%AE%E4%BA%AC', ready: '#results li a' },
  { name: 'digests', url: 'digests/index.html' },
  { name: 'digest', url: 'digests/2020/07/2020-07-01.html' },
];

let browser: Browser;
let siteDir: string;
let siteUrl: string;
let closeServer: () => Promise<void>;

before(async () => {
  const dir = tempDir('nm-pages-');
  cpSync(REAL, path.join(dir, 'archive'), { recursive: true });
  writeConfig(dir, [
    { name: '美国之音', abbr: 'voa', feed: 'http://127.0.0.1:9/voa.xml' },
    { name: 'BBC', abbr: 'bbc', feed: 'http://127.0.0.1:9/bbc.xml' },
    { name: '德国之声', abbr: 'dw', feed: 'http://127.0.0.1:9/dw.xml' },
    { name: '中国数字时代', abbr: 'cdt', feed: 'http://127.0.0.1:9/cdt.xml' },
  ]);
  for (const args of [['render'], ['digest', '--date', '2020-07-01']]) {
    const r = await cli(args, dir);
    assert.equal(r.code, 0, r.stderr);
  }
  siteDir = path.join(dir, 'archive', 'site');
  const server = await serveSite(siteDir);
  siteUrl = server.url;
  closeServer = server.close;
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await closeServer?.();
});

/** A context that answers everything off loopback with an abort (article images point at the sources). */
async function context(opts: BrowserContextOptions = {}) {
  const ctx = await browser.newContext(opts);
  await ctx.route((u) => !u.href.startsWith('http://127.0.0.1:'), (route) => route.abort());
  return ctx;
}

test('axe-core: no serious or critical violation on any kind of page, light and dark', async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    // axe is injected as an inline script, which the pages' CSP (rightly) refuses: bypassed for the check only.
    const ctx = await context({ bypassCSP: true, colorScheme });
    const page = await ctx.newPage();
    try {
      for (const p of PAGES) {
        await page.goto(siteUrl + p.url);
        if (p.ready) await page.locator(p.ready).first().waitFor({ timeout: 10_000 });
        const found = await axeViolations(page);
        assert.deepEqual(found, [], `${colorScheme} ${p.url}:\n${describeViolations(found)}`);
      }
    } finally {
      await ctx.close();
    }
  }
});

test('screenshots at desktop and phone widths, light and dark; no horizontal scrolling on a phone', async () => {
  const sizes = {
    desktop: { viewport: { width: 1280, height: 900 } },
    phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  };
  for (const [size, opts] of Object.entries(sizes)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const ctx = await context({ ...opts, colorScheme });
      const page = await ctx.newPage();
      try {
        for (const p of PAGES) {
          await page.goto(siteUrl + p.url);
          if (p.ready) await page.locator(p.ready).first().waitFor({ timeout: 10_000 });
          if (size === 'phone') {
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            assert.ok(overflow <= 1, `${p.url}: ${overflow}px of horizontal scroll on a phone`);
          }
          const file = path.join(SHOTS, `${p.name}-${size}-${colorScheme}.png`);
          await page.screenshot({ path: file });
          assert.ok(readFileSync(file).subarray(1, 4).toString() === 'PNG');
        }
      } finally {
        await ctx.close();
      }
    }
  }
});

test('CJK typography from the system\'s fonts: line height, Noto CJK in the stack, no web font loaded; dark mode follows the system', async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const ctx = await context({ colorScheme });
    const page = await ctx.newPage();
    const fonts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'font') fonts.push(r.url());
    });
    try {
      for (const url of ['cdt/399983.html', 'digests/2020/07/2020-07-01.html']) {
        await page.goto(siteUrl + url);
        const s = await page.evaluate(() => {
          const p = document.querySelector('article p:not(.meta)')!;
          const cs = getComputedStyle(p);
          const body = getComputedStyle(document.body);
          const faces = [...document.styleSheets].flatMap((sh) => [...sh.cssRules]).filter((r) => r instanceof CSSFontFaceRule).length;
          return { lineHeight: parseFloat(cs.lineHeight), fontSize: parseFloat(cs.fontSize), family: cs.fontFamily, bg: body.backgroundColor, fg: body.color, faces };
        });
        assert.ok(s.lineHeight / s.fontSize >= 1.7, `${url}: line height ${s.lineHeight / s.fontSize}`);
        assert.ok(s.fontSize >= 16, `${url}: font size ${s.fontSize}`);
        assert.match(s.family, /"Noto Sans CJK SC"/);
        assert.match(s.family, /PingFang SC/);
        assert.match(s.family, /Microsoft YaHei/);
        assert.equal(s.faces, 0, `${url}: no @font-face`);
        const luminance = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).reduce((n, c) => n + Number(c), 0) / 3;
        if (colorScheme === 'dark') assert.ok(luminance(s.bg) < 40 && luminance(s.fg) > 200, `${url} dark: ${s.bg} / ${s.fg}`);
        else assert.ok(luminance(s.bg) > 240 && luminance(s.fg) < 40, `${url} light: ${s.bg} / ${s.fg}`);
      }
      assert.deepEqual(fonts, [], 'no font is downloaded');
    } finally {
      await ctx.close();
    }
  }
});

test('previous/next within a site: walking "older" from a site\'s newest article stays in the site and reaches its oldest', async () => {
  const ctx = await context({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  try {
    await page.goto(`${siteUrl}bbc/index.html`);
    const listed = await page.locator('ul.list li a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    await page.goto(listed[0]!);
    const seen = [page.url()];
    for (;;) {
      const older = page.locator('nav.pager a[rel="next"]');
      if ((await older.count()) === 0) break;
      // The link names the article it leads to.
      const title = (await older.innerText()).replace(/\s*→$/, '');
      await older.click();
      assert.equal(await page.locator('article h1').innerText(), title);
      assert.match(page.url(), /\/bbc\/\d+\.html$/);
      seen.push(page.url());
      const newer = page.locator('nav.pager a[rel="prev"]');
      assert.equal(await newer.getAttribute('href'), path.basename(seen[seen.length - 2]!));
    }
    assert.equal(seen.length, 49, 'every BBC article, once each');
    assert.equal(new Set(seen).size, 49);
  } finally {
    await ctx.close();
  }
});

test('article pages: no JavaScript; what the template adds weighs ≤ 3 KB, and each page with its stylesheet ≤ 30 KB as sent gzipped', async () => {
  const css = readFileSync(path.join(siteDir, '_static', 'style.css'));
  const report: { file: string; bytes: number; gzip: number; overhead: number }[] = [];
  for (const site of ['bbc', 'cdt', 'dw', 'voa']) {
    for (const f of readdirSync(path.join(siteDir, site)).filter((f) => /^\d+\.html$/.test(f))) {
      const html = readFileSync(path.join(siteDir, site, f), 'utf8');
      assert.doesNotMatch(html, /<script/i, `${site}/${f}`);
      // The article's own text and markup (the body as archived) against what the page adds around it.
      const article = html.slice(html.indexOf('<article>'), html.indexOf('</article>'));
      const bytes = Buffer.byteLength(html) + css.length;
      report.push({ file: `${site}/${f}`, bytes, gzip: gzipSync(html).length + gzipSync(css).length, overhead: bytes - Buffer.byteLength(article) });
    }
  }
  // 228 files of the sample, two of them second files of a story (one page each): 226 article pages.
  assert.equal(report.length, 226);
  for (const r of report) {
    assert.ok(r.overhead <= 3 * 1024, `${r.file}: the page adds ${r.overhead} bytes to the article`);
    assert.ok(r.gzip <= 30 * 1024, `${r.file}: ${r.gzip} bytes gzipped`);
  }
  // Most pages are under 30 KB even uncompressed; those over are long articles whose own text is over it.
  const over = report.filter((r) => r.bytes > 30 * 1024);
  for (const r of over) assert.ok(r.bytes - r.overhead > 28 * 1024, `${r.file}: ${r.bytes} bytes`);

  // In the browser: an article page requests only itself and its stylesheet (images aside).
  const ctx = await context();
  const page = await ctx.newPage();
  const requests: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() !== 'image') requests.push(`${r.resourceType()} ${new URL(r.url()).pathname}`);
  });
  try {
    await page.goto(`${siteUrl}dw/1048272.html`);
    assert.deepEqual(requests.sort(), ['document /dw/1048272.html', 'stylesheet /_static/style.css']);
  } finally {
    await ctx.close();
  }
});
