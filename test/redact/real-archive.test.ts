/**
 * Redaction on the real archive sample (original file-name style `<id>_<title>.md`, display-name folders, an id
 * used by two files), through the real CLI: a name in titles, file names, lists and bodies leaves the tree.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli, rss, startFeedServer, tempDir } from '../pipeline/harness.js';
import { byteForms, byteSearch } from './bytes.js';

const REAL = fileURLToPath(new URL('../fixtures/real-archive/', import.meta.url));
const NAME = '许章润';
/** Paths under `root` holding the texts (in file names too), in any byte form. */
const holders = (root: string, texts = ['许章润', '許章潤']) => byteSearch(root, byteForms(texts));

test('real archive sample: a name in original-style file names, titles, lists and bodies is redacted everywhere', async () => {
  const server = await startFeedServer({});
  const pad = '这是一段很长的报道正文。'.repeat(30);
  server.routes.set('/cdt.xml', {
    body: rss('CDT', [{ title: `${NAME}：新文章`, link: 'https://chinadigitaltimes.net/chinese/2026/12/1.html', guid: 'cdt-new', pubDate: 'Tue, 01 Dec 2026 08:00:00 GMT', body: `<p>清华大学教授${NAME}又发表了文章。</p><p>${pad}</p>` }]),
  });
  try {
    const dir = tempDir('nm-redact-real-');
    const archive = path.join(dir, 'archive');
    cpSync(REAL, archive, { recursive: true });
    writeFileSync(
      path.join(dir, 'newsmirror.yaml'),
      [
        'archive: archive',
        'allowPrivateNetworks: true',
        'fetch: {timeoutSeconds: 3, connectTimeoutSeconds: 2, retries: 1}',
        'sites:',
        `  - {name: 中国数字时代, abbr: cdt, feed: "${server.origin}/cdt.xml", fullText: never}`,
        `  - {name: 美国之音, abbr: voa, feed: "${server.origin}/none.xml"}`,
        `  - {name: BBC, abbr: bbc, feed: "${server.origin}/none.xml"}`,
        `  - {name: 德国之声, abbr: dw, feed: "${server.origin}/none.xml"}`,
      ].join('\n') + '\n',
    );
    execFileSync('git', ['init', '--quiet', archive]);
    const rendered = await cli(['render'], dir);
    assert.equal(rendered.code, 0, rendered.stderr);
    const before = holders(archive);
    assert.ok(before.some((h) => h.startsWith('articles/中国数字时代/400166_许章润') && h.includes('(name: ')), before.join('\n'));
    assert.ok(before.some((h) => h.startsWith('.newsmirror/index.db ')), before.join('\n'));

    const target = path.join('archive', 'articles', '中国数字时代', '400166_许章润：践踏斯文 必驱致一邪魅人间.md');
    const r = await cli(['redact', target, '--text', NAME, '--replace', '许某', '--reason', 'request of 2026-11-30', '--json'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
    const report = JSON.parse(r.stdout);
    assert.equal(report.target, 'cdt/400166');
    // Both files of id 400166 (the sample holds two) keep their style; only the name leaves their names.
    assert.deepEqual(Object.values(report.renamed).sort(), ['articles/中国数字时代/400166_许某：践踏斯文 必驱致一邪魅人间.md', 'articles/中国数字时代/400166_许某｜践踏斯文 必驱致一邪魅人间.md']);
    assert.deepEqual(report.remaining, []);
    assert.deepEqual(holders(archive), []);
    const file = readFileSync(path.join(archive, 'articles/中国数字时代/400166_许某：践踏斯文 必驱致一邪魅人间.md'), 'utf8');
    // A file of the original's older format (no timestamp line, so not indexed): rewritten as text, its link too.
    assert.match(file, /^\[许某：践踏斯文 必驱致一邪魅人间\]\(https:\/\/chinadigitaltimes\.net\/chinese\/2020\/06\/%E8%AE%B8%E6%9F%90%EF%BD%9C/);
    assert.match(file, /<a href="https:\/\/chinadigitaltimes\.net\/chinese\/tag\/%E8%AE%B8%E6%9F%90\/" rel="tag">许某<\/a>/);
    // Files without the name are byte for byte as they were.
    for (const f of ['articles/BBC/1048179_澳洲大幅增加军费 远程反舰和超音速武器目标何方.md']) assert.ok(readFileSync(path.join(archive, f)).equals(readFileSync(path.join(REAL, f))));

    // A name in an indexed article's title (and in seven other articles' bodies), by <site>/<id>.
    const doctor = ['李文亮'];
    assert.ok(holders(archive, doctor).some((h) => h.startsWith('lists/中国数字时代.md ')));
    const r2 = await cli(['redact', 'cdt/399874', '--text', '李文亮', '--reason', 'test'], dir);
    assert.equal(r2.code, 0, r2.stderr + r2.stdout);
    assert.deepEqual(holders(archive, doctor), []);
    // The old-format list spells a title as its file name does (the original's rule), brackets balanced.
    assert.match(readFileSync(path.join(archive, 'lists/中国数字时代.md'), 'utf8'), /\[【中国哭墙】一颗颗活蹦乱跳的心里，都有一个\[已隐去\]啊（6月30日）\]\(\/articles\/中国数字时代\/399874_/);
    assert.match(readFileSync(path.join(archive, 'site/cdt/399874.html'), 'utf8'), /<h1>【中国哭墙】一颗颗活蹦乱跳的心里，都有一个\[已隐去\]啊（6月30日）<\/h1>/);
    const verify = await cli(['verify', '--json'], dir);
    const problems = JSON.parse(verify.stdout).problems as string[];
    assert.ok(!problems.some((p) => /399874|已隐去/.test(p)), problems.join('\n'));

    // The source keeps sending the name.
    const run = await cli(['run', '--json', '--no-progress', '--fail-on', 'never'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).sites.find((s: { abbr: string }) => s.abbr === 'cdt').new, 1);
    assert.deepEqual(holders(archive), []);
    assert.ok(existsSync(path.join(archive, 'redactions.yaml')));
  } finally {
    await server.close();
  }
});
