/** Local images: stored once by content hash, non-images and oversize refused, re-runs download nothing. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cleanHtml } from '../../src/clean/index.js';
import { DEFAULT_FETCH_POLICY, createFetcher } from '../../src/fetch/index.js';
import { ArchiveIndex } from '../../src/identity/index.js';
import { createSqliteImageStore, imageType, storeImages } from '../../src/images/index.js';
import { cli, rss, startFeedServer, tempDir, writeConfig } from '../pipeline/harness.js';
import { png } from './png.js';

test('imageType sniffs real image bytes and refuses SVG and HTML', () => {
  assert.equal(imageType(png(1)), 'png');
  assert.equal(imageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'jpg');
  assert.equal(imageType(Buffer.from('GIF89a....')), 'gif');
  assert.equal(imageType(Buffer.from('<svg onload="alert(1)"></svg>')), null);
  assert.equal(imageType(Buffer.from('<html></html>')), null);
});

test('storeImages: content-hash dedupe, refusals keep the proxied URL, re-runs download nothing', async () => {
  const big = Buffer.concat([png(3), Buffer.alloc(300 * 1024)]);
  const server = await startFeedServer({
    '/a.png': { body: png(1), type: 'image/png' },
    '/same-as-a.png': { body: png(1), type: 'image/png' },
    '/b.png': { body: png(2), type: 'image/png' },
    '/fake.png': { body: '<html>not an image</html>', type: 'image/png' },
    '/page.html': { body: '<html></html>', type: 'text/html' },
    '/big.png': { body: big, type: 'image/png' },
    '/evil.svg': { body: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', type: 'image/svg+xml' },
  });
  const archive = tempDir();
  const index = ArchiveIndex.open(archive);
  const store = createSqliteImageStore(index.db);
  const fetcher = createFetcher({ ...DEFAULT_FETCH_POLICY, retries: 0, allowPrivateNetworks: true });
  const proxy = 'https://images.weserv.nl?url={url}';
  try {
    const html = cleanHtml(['a', 'same-as-a', 'b', 'fake', 'page', 'big', 'missing', 'evil'].map((n) => `<img src="${server.origin}/${n}.${n === 'page' ? 'html' : n === 'evil' ? 'svg' : 'png'}">`).join(''), { baseUrl: null, imageProxy: null });
    const opts = { fetcher, archive, abbr: 'dw', articlePath: 'articles/dw/1048575.md', imageProxy: proxy, store, maxBytes: 200 * 1024 };
    const r = await storeImages(html, opts);
    assert.equal(r.stored, 3);
    assert.equal(r.failed, 5);
    const files = readdirSync(path.join(archive, 'assets', 'dw')).sort();
    assert.equal(files.length, 2, 'same bytes from two URLs are one file');
    const srcs = [...r.html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(srcs[0], `../../assets/dw/${files.find((f) => readFileSync(path.join(archive, 'assets/dw', f)).equals(png(1)))}`);
    assert.equal(srcs[0], srcs[1]);
    assert.ok(existsSync(path.resolve(archive, 'articles/dw', srcs[2]!)), 'relative path resolves from the article folder');
    for (const failed of srcs.slice(3)) assert.ok(failed.startsWith('https://images.weserv.nl?url=http%3A%2F%2F127.0.0.1'), failed);
    assert.ok(r.failures.some((f) => /fake\.png: not a stored image type/.test(f)));
    assert.ok(r.failures.some((f) => /page\.html: not a stored image type \(text\/html/.test(f)));
    assert.ok(r.failures.some((f) => /big\.png.*larger than 204800/.test(f)));
    assert.ok(r.failures.some((f) => /evil\.svg: not a stored image type \(image\/svg\+xml/.test(f)));
    const hits = [...server.hits.values()].reduce((a, b) => a + b, 0);
    const again = await storeImages(html, opts);
    assert.equal(again.html, r.html, 'same output');
    assert.equal(again.reused, 3);
    assert.equal(again.stored, 0);
    const okHits = ['/a.png', '/same-as-a.png', '/b.png'].map((p) => server.hits.get(p));
    assert.deepEqual(okHits, [1, 1, 1], 'stored images are not downloaded again');
    assert.ok([...server.hits.values()].reduce((a, b) => a + b, 0) > hits, 'failed ones are retried next time');
  } finally {
    index.close();
    await fetcher.close();
    await server.close();
  }
});

test('end to end: a site with images: local stores them beside the article and the website shows them', async () => {
  const server = await startFeedServer({ '/pic.png': { body: png(9), type: 'image/png' } });
  server.routes.set('/feed.xml', { body: rss('图', [{ title: '有图的报道', link: 'https://dw.example/1', guid: 'i1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: `<p>${'正文内容。'.repeat(60)}</p><img src="${server.origin}/pic.png"><div><small>图片说明</small></div>` }]) });
  const dir = tempDir();
  writeConfig(dir, [{ name: '德国之声', abbr: 'dw', feed: `${server.origin}/feed.xml`, images: 'local' }], 'fullText: never');
  try {
    const r = await cli(['run', '--no-progress', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const site = JSON.parse(r.stdout).sites[0];
    assert.equal(site.images.stored, 1);
    const archive = path.join(dir, 'archive');
    const article = readFileSync(path.join(archive, 'articles/dw/1048574.md'), 'utf8');
    const src = /<img src="([^"]+)"/.exec(article)![1]!;
    assert.match(src, /^\.\.\/\.\.\/assets\/dw\/[0-9a-f]{16}\.png$/);
    assert.ok(existsSync(path.resolve(archive, 'articles/dw', src)));
    const pageHtml = readFileSync(path.join(archive, 'site/dw/1048574.html'), 'utf8');
    const siteSrc = /<img src="([^"]+)"/.exec(pageHtml)![1]!;
    assert.ok(existsSync(path.resolve(archive, 'site/dw', siteSrc)), `the website has its own copy: ${siteSrc}`);
    const again = JSON.parse((await cli(['run', '--no-progress', '--json'], dir)).stdout).sites[0];
    assert.equal(again.new, 0);
    assert.equal(server.hits.get('/pic.png'), 1, 're-runs download nothing');
  } finally {
    await server.close();
  }
});
