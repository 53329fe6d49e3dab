/** Full text: teaser detection, Readability and selector extraction, fallbacks with reasons, SSRF refusals, end to end. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { cleanHtml, htmlToText } from '../../src/clean/index.js';
import { DEFAULT_FETCH_POLICY, createFetcher } from '../../src/fetch/index.js';
import { extractFullText, needsFullText } from '../../src/extract/index.js';
import { articleFiles, cli, rss, startFeedServer, tempDir, writeConfig } from '../pipeline/harness.js';
import { findExecutableVectors } from '../clean/xss-check.js';

const PARAS = ['第一段：记者在现场看到，救援人员正在清理倒塌的房屋。', '第二段：当地政府表示，已经安置了数千名受灾居民。', '第三段：专家提醒，未来几天仍可能出现强降雨和余震。', '第四段：国际救援组织已经派出医疗队前往灾区。', '第五段：这是文章的最后一段，只有抓取全文才能看到。'];
const page = (charset = 'utf-8', extra = '') => `<!doctype html><html><head><meta charset="${charset}"><title>标题</title></head><body>
<nav>导航栏 首页 国际 财经</nav><aside>侧栏热门文章列表</aside>
<article><h1>灾区报道</h1><div class="post-content">${PARAS.map((p) => `<p>${p.repeat(3)}</p>`).join('\n')}${extra}</div></article>
<footer>页脚版权信息</footer></body></html>`;

const policy = { ...DEFAULT_FETCH_POLICY, retries: 0, timeoutMs: 1000, allowPrivateNetworks: true };

test('needsFullText: modes, empty bodies, short bodies and read-more endings', () => {
  const long = `<p>${'这是一篇完整的新闻报道，内容很长。'.repeat(20)}</p>`;
  assert.equal(needsFullText('never', null, 'https://x/'), false);
  assert.equal(needsFullText('always', long, 'https://x/'), true);
  assert.equal(needsFullText('auto', long, null), false, 'nothing to fetch without a link');
  assert.equal(needsFullText('auto', null, 'https://x/'), true);
  assert.equal(needsFullText('auto', '<p>一句话摘要。</p>', 'https://x/'), true);
  assert.equal(needsFullText('auto', long, 'https://x/'), false);
  assert.equal(needsFullText('auto', `${long}<p><a href="https://x/">阅读全文</a></p>`, 'https://x/'), true);
  assert.equal(needsFullText('auto', `<p>${'A long English paragraph of a real article. '.repeat(20)}</p><p>Continue reading...</p>`, 'https://x/'), true);
  assert.equal(needsFullText('auto', `<p>${'A long English paragraph of a real article. '.repeat(20)}</p>`, 'https://x/'), false);
});

test('Readability and selector extraction; failures fall back with a reason; GBK pages decode', async () => {
  const server = await startFeedServer({
    '/article.html': { body: page(), type: 'text/html; charset=utf-8' },
    '/gbk.html': { body: iconv.encode(page('gbk'), 'gbk'), type: 'text/html' },
    '/empty.html': { body: '<html><body><p>短</p></body></html>', type: 'text/html' },
    '/image.png': { body: Buffer.from([0x89, 0x50]), type: 'image/png' },
    '/slow.html': { body: page(), type: 'text/html', delayMs: 3000 },
  });
  const f = createFetcher(policy);
  try {
    const r = await extractFullText(f, `${server.origin}/article.html`, { selector: null });
    assert.equal(r.kind, 'full');
    const text = htmlToText(r.kind === 'full' ? r.html : '');
    assert.ok(text.includes('这是文章的最后一段'), 'later paragraphs are there');
    assert.ok(!text.includes('导航栏') && !text.includes('页脚版权信息') && !text.includes('侧栏热门'), `no chrome: ${text.slice(0, 200)}`);
    const sel = await extractFullText(f, `${server.origin}/article.html`, { selector: 'div.post-content' });
    assert.equal(sel.kind === 'full' && htmlToText(sel.html).startsWith('第一段'), true);
    const gbk = await extractFullText(f, `${server.origin}/gbk.html`, { selector: 'div.post-content' });
    assert.ok(gbk.kind === 'full' && htmlToText(gbk.html).includes('救援人员正在清理倒塌的房屋'));
    const fallbacks = await Promise.all([
      extractFullText(f, `${server.origin}/missing.html`, { selector: null }),
      extractFullText(f, `${server.origin}/empty.html`, { selector: null }),
      extractFullText(f, `${server.origin}/article.html`, { selector: 'div.nope' }),
      extractFullText(f, `${server.origin}/image.png`, { selector: null }),
      extractFullText(f, `${server.origin}/slow.html`, { selector: null }),
    ]);
    assert.deepEqual(fallbacks.map((x) => (x.kind === 'fallback' ? x.code : 'full')), ['http_status', 'nothing_extracted', 'selector_not_found', 'not_html', 'timeout']);
    for (const x of fallbacks) assert.ok(x.kind === 'fallback' && !x.reason.includes('\n') && x.reason.includes(server.origin));
  } finally {
    await f.close();
    await server.close();
  }
});

test('hostile HTML in a fetched page is cleaned', async () => {
  const hostile = '<script>alert(1)</script><img src="/x.jpg" onerror="alert(2)"><a href="javascript:alert(3)">x</a><iframe srcdoc="<script>alert(4)</script>"></iframe>';
  const server = await startFeedServer({ '/p.html': { body: page('utf-8', hostile), type: 'text/html' } });
  const f = createFetcher(policy);
  try {
    const r = await extractFullText(f, `${server.origin}/p.html`, { selector: 'div.post-content' });
    assert.equal(r.kind, 'full');
    const clean = cleanHtml(r.kind === 'full' ? r.html : '', { baseUrl: `${server.origin}/p.html`, imageProxy: 'https://images.weserv.nl?url={url}' });
    assert.deepEqual(findExecutableVectors(clean), []);
    assert.ok(htmlToText(clean).includes('第五段'));
  } finally {
    await f.close();
    await server.close();
  }
});

test('SSRF: with the allow switch off, pages on private addresses are refused (literal IP, localhost, redirect)', async () => {
  const server = await startFeedServer({ '/article.html': { body: page(), type: 'text/html' } });
  const port = new URL(server.origin).port;
  server.routes.set('/redirect', { status: 302, headers: { location: `http://localhost:${port}/article.html` } });
  const strict = createFetcher({ ...policy, allowPrivateNetworks: false });
  const trustsLiteral = createFetcher({ ...policy, allowPrivateNetworks: false, allowedPrivateHosts: ['127.0.0.1'] });
  try {
    const literal = await extractFullText(strict, `${server.origin}/article.html`, { selector: null });
    const named = await extractFullText(strict, `http://localhost:${port}/article.html`, { selector: null });
    const redirected = await extractFullText(trustsLiteral, `${server.origin}/redirect`, { selector: null });
    for (const r of [literal, named, redirected]) assert.equal(r.kind === 'fallback' && r.code, 'private_network');
    assert.equal(server.hits.get('/article.html') ?? 0, 0, 'the page was never fetched');
    assert.equal(server.hits.get('/redirect'), 1);
  } finally {
    await strict.close();
    await trustsLiteral.close();
    await server.close();
  }
});

test('end to end: a summary-only feed comes out whole; pages are cached; failures keep the feed body and are reported', async () => {
  const server = await startFeedServer({ '/a1.html': { body: page(), type: 'text/html' } });
  server.routes.set('/feed.xml', { body: rss('摘要', [
    { title: '灾区报道', link: `${server.origin}/a1.html`, guid: 's1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: '<p>一句话摘要…… <a href="#">阅读全文</a></p>' },
    { title: '页面不见了', link: `${server.origin}/gone.html`, guid: 's2', pubDate: 'Wed, 07 Sep 2022 14:31:51 GMT', body: '<p>只有摘要的第二篇。</p>' },
  ]) });
  const dir = tempDir();
  writeConfig(dir, [{ name: '摘要站', abbr: 'sum', feed: `${server.origin}/feed.xml` }]);
  try {
    const r = await cli(['run', '--no-progress', '--json'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const site = JSON.parse(r.stdout).sites[0];
    assert.equal(site.new, 2);
    assert.deepEqual(site.fullText, { fetched: 1, cached: 0, fallback: 1, reasons: { http_status: 1 } });
    assert.ok(site.notes.some((n: string) => /gone\.html: HTTP 404/.test(n)));
    const archive = path.join(dir, 'archive');
    const files = articleFiles(archive, 'sum');
    const whole = readFileSync(path.join(archive, 'articles/sum', files[1]!), 'utf8');
    assert.ok(whole.includes('第五段：这是文章的最后一段'), 'the whole article');
    assert.ok(!whole.includes('页脚版权信息'));
    const kept = readFileSync(path.join(archive, 'articles/sum', files[0]!), 'utf8');
    assert.ok(kept.includes('只有摘要的第二篇'), 'feed body kept');
    // The next run fetches no page again: the whole article is already stored, the page is cached.
    const hits = server.hits.get('/a1.html');
    const again = JSON.parse((await cli(['run', '--no-progress', '--json'], dir)).stdout).sites[0];
    assert.equal(again.new, 0);
    assert.equal(server.hits.get('/a1.html'), hits);
  } finally {
    await server.close();
  }
});
