/** README.md: newsmirror owns only its delimited block; the maintainer's text stays byte for byte through every run. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { README_BEGIN, README_END, renderReadme, updateReadme } from '../../src/archive/index.js';
import { rss, startFeedServer, tempDir, writeConfig } from '../pipeline/harness.js';
import { cli } from './helpers.js';
import { REAL } from './real.js';

const SITES = [{ name: '美国之音', abbr: 'voa', count: 3, latest: Date.UTC(2022, 5, 13) }];

test('a README newsmirror did not write (the original mirror’s, no block) is never touched', () => {
  const real = readFileSync(path.join(REAL, 'README.md'), 'utf8');
  assert.equal(updateReadme(real, SITES, { feeds: true, site: true }), null);
});

test('with the two block lines, only the text between them is rewritten; every other byte stays', () => {
  const real = readFileSync(path.join(REAL, 'README.md'), 'utf8');
  // The maintainer put the block after the list links and before 鸣谢.
  const mine = real.replace('\n鸣谢\n', `\n${README_BEGIN}\n${README_END}\n\n鸣谢\n`);
  const out = updateReadme(mine, SITES, { feeds: true })!;
  const [head, rest] = out.split(`${README_BEGIN}\n`);
  const [block, tail] = rest!.split(README_END);
  assert.equal(head, mine.split(`${README_BEGIN}\n`)[0]);
  assert.equal(tail, mine.split(README_END)[1]);
  assert.match(block!, /\[美国之音\]\(lists\/美国之音\.md\) — 3 篇，最新 2022-06-13/);
  assert.ok(out.includes('鸣谢\n------\n\nhttps://feedx.net/') && out.includes('友情链接'), 'credits, donation note and 友情链接 stay');
  // Rendering again with other figures replaces the block only; with the same, not a byte changes.
  assert.equal(updateReadme(out, SITES, { feeds: true }), out);
  const more = updateReadme(out, [{ ...SITES[0]!, count: 4 }], { feeds: true })!;
  assert.equal(more.split(README_BEGIN)[0], head);
  assert.equal(more.split(README_END)[1], tail);
  assert.ok(!/<[a-z!/]/i.test(out), 'the block lines are Markdown link definitions: no HTML in the README');
});

test('feeds, website and digests are linked where they are served: absolute with a published base, else relative', () => {
  const rel = renderReadme(SITES, { feeds: true, site: true, digests: 'site/digests/index.html' });
  assert.match(rel, /\[全部 all\]\(feeds\/all\.xml\) · \[美国之音\]\(feeds\/voa\.xml\)/);
  assert.match(rel, /\[site\/index\.html\]\(site\/index\.html\)/);
  assert.match(rel, /\[site\/digests\/index\.html\]\(site\/digests\/index\.html\)/);
  // On the Git host the derived outputs are on the site branch, not beside the README: links go to where Pages serves them.
  const base = 'https://owner.github.io/repo/';
  const abs = renderReadme(SITES, { feeds: true, site: true, digests: 'site/digests/index.html', base, siteIndex: 'site/index.html' });
  assert.match(abs, /\[全部 all\]\(https:\/\/owner\.github\.io\/repo\/feeds\/all\.xml\) · \[美国之音\]\(https:\/\/owner\.github\.io\/repo\/feeds\/voa\.xml\)/);
  assert.match(abs, /\(https:\/\/owner\.github\.io\/repo\/site\/index\.html\)/);
  assert.match(abs, /\(https:\/\/owner\.github\.io\/repo\/site\/digests\/index\.html\)/);
  assert.match(abs, /\[美国之音\]\(lists\/美国之音\.md\)/, 'the lists stay on the main branch: relative');
});

test('a new archive gets a README with the block; the maintainer’s later edits outside it survive runs', async () => {
  const fresh = updateReadme(null, SITES)!;
  assert.equal(fresh, renderReadme(SITES));
  assert.ok(fresh.includes(`${README_BEGIN}\n`) && fresh.includes(`${README_END}\n`));
  const dir = tempDir();
  const server = await startFeedServer();
  try {
    writeConfig(dir, [{ name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml` }], 'fullText: never\nimages: none');
    server.routes.set('/voa.xml', { body: rss('VOA', [{ title: '第一篇', link: 'https://v.example/1', pubDate: 'Mon, 13 Jun 2022 01:00:00 GMT', body: '<p>一</p>' }]) });
    assert.equal((await cli(['run', '--no-progress', '--no-render'], dir)).code, 0);
    const file = path.join(dir, 'archive', 'README.md');
    const written = readFileSync(file, 'utf8');
    assert.match(written, /— 1 篇/);
    const edited = `# 我的镜像\n\n维护者的说明。\n\n${written.slice(written.indexOf(README_BEGIN))}\n捐赠：请支持 feedx。\n`;
    writeFileSync(file, edited);
    server.routes.set('/voa.xml', { body: rss('VOA', [{ title: '第二篇', link: 'https://v.example/2', pubDate: 'Tue, 14 Jun 2022 01:00:00 GMT', body: '<p>二</p>' }]) });
    assert.equal((await cli(['run', '--no-progress', '--no-render'], dir)).code, 0);
    const after = readFileSync(file, 'utf8');
    assert.ok(after.startsWith('# 我的镜像\n\n维护者的说明。\n\n') && after.endsWith('\n捐赠：请支持 feedx。\n'), after);
    assert.match(after, /— 2 篇，最新 2022-06-14/);
  } finally {
    await server.close();
  }
});
