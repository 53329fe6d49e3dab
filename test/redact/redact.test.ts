/**
 * Redaction through the real CLI (bin/newsmirror.js) on a real git repo: a run from a loopback source, `redact
 * --text`, a byte search of the whole working tree (index, website and search index included), runs with the
 * source still sending the name, `redact --remove`, and publishing the result.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cli, rss, startFeedServer, tempDir, writeConfig, type FeedServer } from '../pipeline/harness.js';
import { byteForms, byteSearch } from './bytes.js';

// The name a person asked to have taken out, written in Traditional in the source; the request gives it in Simplified.
const NAME_S = '张三丰';
const NAME_T = '張三豐';

/** The name in both scripts, in every byte form. */
const NAME_FORMS = byteForms([NAME_S, NAME_T]);

const pad = '这是一段很长的报道正文，用来让正文看起来像完整的文章而不是摘要。'.repeat(12);

function feedItems(origin: string, extra: { title: string; link: string; guid: string; pubDate: string; body: string }[] = []) {
  return [
    {
      title: `${NAME_T}談當地選舉`,
      link: 'https://news.example/a/1.html',
      guid: 'voa-1',
      pubDate: 'Mon, 30 Nov 2026 08:00:00 GMT',
      // The name as text, split by a tag, as character references, in an alt text and in a link.
      body: `<p>${NAME_T}說，選舉應當公開。</p><p>記者問<b>張三</b>豐：&#24352;&#19977;&#20016;是誰？</p><img src="${origin}/img/1.png" alt="${NAME_S}的照片"><p><a href="https://news.example/tag/${encodeURIComponent(NAME_S)}">標籤</a></p><p>${pad}</p>`,
    },
    {
      title: '另一篇与此无关的报道',
      link: 'https://news.example/a/2.html',
      guid: 'voa-2',
      pubDate: 'Mon, 30 Nov 2026 09:00:00 GMT',
      body: `<p>与此无关的正文。</p><img src="${origin}/img/2.png"><p>${pad}</p>`,
    },
    {
      title: '将被整篇移除的报道',
      link: 'https://news.example/a/3.html',
      guid: 'voa-3',
      pubDate: 'Mon, 30 Nov 2026 10:00:00 GMT',
      body: `<p>这篇报道的当事人要求整篇移除。独特词语甲乙丙。</p><img src="${origin}/img/3.png"><img src="${origin}/img/2.png"><p>${pad}</p>`,
    },
    ...extra,
  ];
}

const png = (tag: string) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(`image ${tag}`)]);

async function setup(images: 'proxy' | 'local' = 'proxy'): Promise<{ dir: string; archive: string; remote: string; server: FeedServer }> {
  const server = await startFeedServer({});
  for (const n of [1, 2, 3]) server.routes.set(`/img/${n}.png`, { type: 'image/png', body: png(String(n)) });
  server.routes.set('/voa.xml', { body: rss('VOA', feedItems(server.origin)) });
  // A summary-only site: its article pages are fetched (and cached in the index) with the name in them.
  server.routes.set('/cdt.xml', {
    body: rss('CDT', [{ title: '转载：一篇评论', link: `${server.origin}/page/1.html`, guid: 'cdt-1', pubDate: 'Mon, 30 Nov 2026 07:00:00 GMT', body: '<p>摘要</p>' }]),
  });
  server.routes.set('/page/1.html', {
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><title>评论</title></head><body><nav>导航</nav><article><h1>转载：一篇评论</h1><p>评论说，${NAME_S}的发言很重要。</p><p>${pad}</p><p>${pad}</p></article></body></html>`,
  });
  const dir = tempDir('nm-redact-');
  writeConfig(dir, [
    { name: '美国之音', abbr: 'voa', feed: `${server.origin}/voa.xml`, images },
    { name: '中国数字时代', abbr: 'cdt', feed: `${server.origin}/cdt.xml`, fullText: 'always' },
  ]);
  const remote = path.join(dir, 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', remote]);
  const archive = path.join(dir, 'archive');
  execFileSync('git', ['clone', '--quiet', remote, archive], { stdio: 'ignore' });
  execFileSync('git', ['-C', archive, 'config', 'user.name', 'test']);
  execFileSync('git', ['-C', archive, 'config', 'user.email', 'test@localhost']);
  execFileSync('git', ['-C', archive, 'checkout', '--quiet', '-b', 'main']);
  return { dir, archive, remote, server };
}

function run(dir: string) {
  return cli(['run', '--json', '--no-progress', '--publish'], dir).then((r) => {
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
    return JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf('}') + 1)) as { totals: { new: number; updated: number }; sites: { abbr: string; skipped: number; notes: string[] }[] };
  });
}

test('redact --text: the name leaves every file of the tree, in both scripts, and later runs keep it out', async () => {
  const { dir, archive, server } = await setup();
  try {
    const first = await run(dir);
    assert.equal(first.totals.new, 4);
    // The search is meaningful: before redaction the name is in articles, index, website and search index.
    const before = byteSearch(dir, NAME_FORMS);
    for (const where of ['archive/articles/voa/', 'archive/articles/cdt/', 'archive/.newsmirror/index.db', 'archive/site/voa/', 'archive/site/search/', 'archive/lists/', 'archive/feeds/']) {
      assert.ok(before.some((h) => h.startsWith(where)), `${where} holds the name before: ${before.join(', ')}`);
    }

    // Revisions as h13-record keeps them: an earlier version in the article format and a status file.
    const revDir = path.join(archive, 'revisions/voa/1048574');
    mkdirSync(revDir, { recursive: true });
    writeFileSync(path.join(revDir, '1796025500000.md'), `<!--1796025600000-->\n[${NAME_T}談選舉](https://news.example/a/1.html)\n------\n\n<p>舊版：${NAME_T}說。</p>\n`);
    const history = (name: string) => ({
      site: 'voa',
      id: 1048574,
      article: 'articles/voa/1048574.md',
      link: 'https://news.example/a/1.html',
      state: 'live',
      goneSince: null,
      versions: [
        { seen: 1796025500000, file: 'revisions/voa/1048574/1796025500000.md', title: `${name}談選舉`, fingerprint: 'a' },
        { seen: 1796025600000, file: 'articles/voa/1048574.md', title: `${name}談當地選舉`, fingerprint: 'b' },
      ],
      events: [{ at: 1796025600000, event: 'edited' }],
    });
    writeFileSync(path.join(revDir, 'status.json'), JSON.stringify(history(NAME_T), null, 2) + '\n');
    // The index as a CI cache saved before the redaction holds it: restored later, it must not bring the name back.
    const stale = path.join(tempDir('nm-stale-'), 'index');
    cpSync(path.join(archive, '.newsmirror'), stale, { recursive: true });
    const r = await cli(['redact', 'voa/1048574', '--text', NAME_S, '--reason', `${NAME_T}本人来信要求删除姓名 (2026-12-01)`, '--now', '2026-12-01T10:00:00Z'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /redacted text in voa\/1048574 \(articles\/voa\/1048574\.md\) — rule recorded in redactions\.yaml/);
    assert.deepEqual(byteSearch(dir, NAME_FORMS), []);

    // The rule is on record, with its reason and date, without the text.
    const rules = readFileSync(path.join(archive, 'redactions.yaml'), 'utf8');
    assert.match(rules, /target: voa\/1048574/);
    assert.match(rules, /action: text/);
    assert.match(rules, /reason: "\[已隐去\]本人来信要求删除姓名 \(2026-12-01\)"/);
    assert.match(rules, /date: 2026-12-01T10:00:00.000Z/);
    const article = readFileSync(path.join(archive, 'articles/voa/1048574.md'), 'utf8');
    assert.match(article, /^<!--\d+-->\n\[\\\[已隐去\\\]談當地選舉\]\(https:\/\/news\.example\/a\/1\.html\)\n------\n\n<p>\[已隐去\]說，選舉應當公開。<\/p>/);
    assert.match(article, /alt="\[已隐去\]的照片"/);
    assert.equal(readFileSync(path.join(revDir, '1796025500000.md'), 'utf8'), '<!--1796025600000-->\n[\\[已隐去\\]談選舉](https://news.example/a/1.html)\n------\n\n<p>舊版：[已隐去]說。</p>\n');
    assert.deepEqual(JSON.parse(readFileSync(path.join(revDir, 'status.json'), 'utf8')), history('[已隐去]'));
    assert.match(readFileSync(path.join(archive, 'lists/美国之音.md'), 'utf8'), /\[〔原文已修改〕\\\[已隐去\\\]談當地選舉\]\(\/articles\/voa\/1048574\.md\)/);
    assert.match(readFileSync(path.join(archive, 'site/voa/1048574.html'), 'utf8'), /<h1>\[已隐去\]談當地選舉<\/h1>/);
    // Nothing else changed: the other stories are as they were, the index agrees with the files.
    assert.match(readFileSync(path.join(archive, 'articles/voa/1048573.md'), 'utf8'), /另一篇与此无关的报道/);
    const verify = await cli(['verify'], dir);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    // The source keeps sending the name, in the same stories and in a new one; the runner restored the old index.
    rmSync(path.join(archive, '.newsmirror'), { recursive: true });
    cpSync(stale, path.join(archive, '.newsmirror'), { recursive: true });
    rmSync(stale, { recursive: true });
    server.routes.set(
      '/voa.xml',
      {
        body: rss(
          'VOA',
          feedItems(server.origin, [
            { title: `${NAME_S}再次发言`, link: 'https://news.example/a/4.html', guid: 'voa-4', pubDate: 'Tue, 01 Dec 2026 08:00:00 GMT', body: `<p>${NAME_S}又说了一次。</p><p>${pad}</p>` },
          ]),
        ),
      },
    );
    const again = await run(dir);
    assert.equal(again.totals.new, 1, 'only the new story is new: the redacted ones are found again, not stored twice');
    assert.equal(readdirSync(path.join(archive, 'articles/voa')).length, 4);
    assert.match(readFileSync(path.join(archive, 'articles/voa/1048571.md'), 'utf8'), /\[\\\[已隐去\\\]再次发言\]/);
    assert.deepEqual(byteSearch(dir, NAME_FORMS), []);
    const third = await run(dir);
    assert.equal(third.totals.new + third.totals.updated, 0);

    // Applying the same request twice records one rule, and the commit carries the rule.
    const twice = await cli(['redact', 'articles/voa/1048574.md', '--text', NAME_T, '--reason', 'again'], path.join(dir));
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /rule already recorded/);
    assert.equal((readFileSync(path.join(archive, 'redactions.yaml'), 'utf8').match(/action: text/g) ?? []).length, 1);
    const tracked = execFileSync('git', ['-C', archive, 'ls-files'], { encoding: 'utf8' });
    assert.match(tracked, /^redactions\.yaml$/m);
  } finally {
    await server.close();
  }
});

test('redact --remove: the story leaves the archive, its id stays taken, and the source cannot bring it back', async () => {
  const { dir, archive, remote, server } = await setup('local');
  try {
    await run(dir);
    const file = path.join(archive, 'articles/voa/1048572.md');
    const own = (/src="\.\.\/\.\.\/(assets\/voa\/[0-9a-f]+\.png)"/.exec(readFileSync(file, 'utf8')) ?? [])[1]!;
    const shared = (/src="\.\.\/\.\.\/(assets\/voa\/[0-9a-f]+\.png)"/.exec(readFileSync(path.join(archive, 'articles/voa/1048573.md'), 'utf8')) ?? [])[1]!;
    assert.ok(own && shared && own !== shared && existsSync(path.join(archive, own)) && existsSync(path.join(archive, 'site/_static', own)));
    assert.match(readFileSync(file, 'utf8'), /将被整篇移除的报道/);
    const stale = path.join(tempDir('nm-stale-'), 'index');
    cpSync(path.join(archive, '.newsmirror'), stale, { recursive: true });
    const r = await cli(['redact', 'voa/1048572', '--remove', '--reason', '当事人要求整篇移除'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(!existsSync(file));
    assert.ok(!existsSync(path.join(archive, 'site/voa/1048572.html')));
    // Its own image is gone (archive and website copies); the one another story shows stays.
    assert.ok(!existsSync(path.join(archive, own)) && !existsSync(path.join(archive, 'site/_static', own)));
    assert.ok(existsSync(path.join(archive, shared)) && existsSync(path.join(archive, 'site/_static', shared)));
    const removedTitle = [{ label: 'title', bytes: Buffer.from('将被整篇移除的报道', 'utf8') }, { label: 'body', bytes: Buffer.from('独特词语甲乙丙', 'utf8') }];
    assert.deepEqual(byteSearch(dir, removedTitle), []);
    const rules = readFileSync(path.join(archive, 'redactions.yaml'), 'utf8');
    assert.match(rules, /action: remove/);
    assert.match(rules, /path: articles\/voa\/1048572\.md/);
    // The other stories stay; lists and website no longer show the removed one.
    assert.match(readFileSync(path.join(archive, 'lists/美国之音.md'), 'utf8'), /另一篇与此无关的报道/);
    assert.equal((await cli(['verify'], dir)).code, 0);

    // The source still sends it (and a new story), to a runner whose index predates the removal: it is not stored
    // again, and the new one does not take its id.
    rmSync(path.join(archive, '.newsmirror'), { recursive: true });
    cpSync(stale, path.join(archive, '.newsmirror'), { recursive: true });
    rmSync(stale, { recursive: true });
    server.routes.set(
      '/voa.xml',
      { body: rss('VOA', feedItems(server.origin, [{ title: '新的报道', link: 'https://news.example/a/5.html', guid: 'voa-5', pubDate: 'Tue, 01 Dec 2026 08:00:00 GMT', body: `<p>新的。</p><p>${pad}</p>` }])) },
    );
    const again = await run(dir);
    assert.equal(again.totals.new, 1);
    assert.ok(again.sites.find((s) => s.abbr === 'voa')!.notes.some((n) => /removed on request/.test(n)));
    assert.ok(!existsSync(file));
    assert.match(readFileSync(path.join(archive, 'articles/voa/1048571.md'), 'utf8'), /新的报道/);
    assert.deepEqual(byteSearch(dir, removedTitle), []);
    // The deletion and the rule are committed.
    const log = execFileSync('git', ['-C', archive, 'log', '--name-status', '--format=%s'], { encoding: 'utf8' });
    assert.match(log, /^D\tarticles\/voa\/1048572\.md$/m);
    assert.match(log, /^A\tredactions\.yaml$/m);

    // A fresh clone (a CI runner whose index cache expired) obeys the rule too: the story is not stored again,
    // and its id is not handed out to another one.
    const fresh = path.join(dir, 'fresh');
    mkdirSync(fresh);
    execFileSync('git', ['clone', '--quiet', '-b', 'main', remote, path.join(fresh, 'archive')], { stdio: 'ignore' });
    writeFileSync(path.join(fresh, 'newsmirror.yaml'), readFileSync(path.join(dir, 'newsmirror.yaml')));
    server.routes.set(
      '/voa.xml',
      { body: rss('VOA', feedItems(server.origin, [{ title: '更新的报道', link: 'https://news.example/a/6.html', guid: 'voa-6', pubDate: 'Tue, 01 Dec 2026 09:00:00 GMT', body: `<p>更新的。</p><p>${pad}</p>` }])) },
    );
    const r3 = await cli(['run', '--json', '--no-progress'], fresh);
    assert.equal(r3.code, 0, r3.stderr);
    assert.equal(JSON.parse(r3.stdout).totals.new, 1, 'only voa-6 is new: the removed story is skipped, the others are in the clone');
    assert.deepEqual(readdirSync(path.join(fresh, 'archive/articles/voa')).sort(), ['1048570.md', '1048571.md', '1048573.md', '1048574.md']);
    assert.deepEqual(byteSearch(fresh, removedTitle), []);
  } finally {
    await server.close();
  }
});

test('redact refuses what it cannot honour, with one line that does not repeat the text', async () => {
  const { dir, archive, server } = await setup();
  try {
    await run(dir);
    const secret = '不存在的名字';
    const cases: [string[], RegExp][] = [
      [['redact', 'voa/1048573', '--text', secret, '--reason', 'x'], /articles\/voa\/1048573\.md: the text to redact does not occur in this article or its revisions \(nothing recorded\)/],
      [['redact', 'voa/999', '--text', secret, '--reason', 'x'], /redact: voa\/999: no such article/],
      [['redact', 'voa/1048573', '--text', secret, '--remove', '--reason', 'x'], /either --text "<text>" or --remove/],
      [['redact', 'voa/1048573', '--remove'], /--reason "<why>" is required/],
      [['redact', 'voa/1048574', '--text', '張', '--reason', 'x'], /at least 2 visible characters/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args, dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.ok(!r.stderr.includes(secret));
    }
    assert.ok(!existsSync(path.join(archive, 'redactions.yaml')));
    // A rules file that cannot be read stops the run: mirroring on without it would publish what was taken down.
    writeFileSync(path.join(archive, 'redactions.yaml'), 'salt: [broken\n');
    const broken = await cli(['run', '--no-progress'], dir);
    assert.equal(broken.code, 2, broken.stdout);
    assert.match(broken.stderr, /redactions\.yaml: not valid YAML/);
    assert.equal(broken.stderr.trim().split('\n').length, 1);
  } finally {
    await server.close();
  }
});
