/** newsmirror as a library: the same run through the package entry point, in process. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fromObject, parseArticleFile, runMirror } from '../../src/index.js';
import { rss, startFeedServer, tempDir } from './harness.js';

test('runMirror from the package entry point archives a feed and reports it', async () => {
  const server = await startFeedServer({ '/f.xml': { body: rss('L', [{ title: '库调用', link: 'https://lib.example/1', guid: 'l1', pubDate: 'Wed, 07 Sep 2022 13:31:51 GMT', body: `<p>${'正文'.repeat(300)}</p>` }]) } });
  try {
    const archive = tempDir();
    const config = fromObject({ archive, allowPrivateNetworks: true, fullText: 'never', sites: [{ name: '库', abbr: 'lib', feed: `${server.origin}/f.xml` }] }, null, { cwd: archive });
    const report = await runMirror(config, { render: false });
    assert.equal(report.totals.new, 1);
    assert.equal(report.sites[0]!.status, 'ok');
    const a = parseArticleFile(readFileSync(path.join(archive, 'articles/lib/1048574.md'), 'utf8'), 'x');
    assert.equal(a.title, '库调用');
  } finally {
    await server.close();
  }
});
