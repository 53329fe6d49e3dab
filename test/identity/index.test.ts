/** The index on real SQLite files: story matching cases, id sequence, validators, meta, persistence. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { NewsmirrorError } from '../../src/errors.js';
import { ArchiveIndex, canonicalLink, FIRST_ID, normalizeTitle } from '../../src/identity/index.js';
import type { ArticleRecord } from '../../src/types.js';

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2022, 8, 7);
const root = () => mkdtempSync(path.join(tmpdir(), 'nm-identity-'));

function rec(p: Partial<ArticleRecord> & { id: number; link: string; title: string }): ArticleRecord {
  return {
    site: 'voa', path: `articles/voa/${p.id}.md`, guid: null, canonicalLink: canonicalLink(p.link), normTitle: normalizeTitle(p.title),
    published: T0, contentHash: 'h'.repeat(64), sourceHash: null, firstSeen: T0, updatedAt: T0, ...p,
  };
}

function candidates(index: ArchiveIndex, p: { title: string; published?: number }): number[] {
  return index.titleCandidates('voa', { guid: null, canonicalLink: null, normTitle: normalizeTitle(p.title), published: p.published ?? T0 }).map((r) => r.id);
}

function probe(index: ArchiveIndex, p: { guid?: string; link?: string; title?: string; published?: number }, site = 'voa'): number | null {
  return index.findStory(site, {
    guid: p.guid ?? null,
    canonicalLink: p.link === undefined ? null : canonicalLink(p.link),
    normTitle: p.title === undefined ? null : normalizeTitle(p.title),
    published: p.published ?? T0,
  })?.id ?? null;
}

test('canonicalLink: tracking parameters, fragment, default port, case, scheme and trailing slash do not make another story', () => {
  const c = canonicalLink('https://www.voachinese.com/a/xi-putin/6734733.html');
  for (const variant of [
    'http://www.voachinese.com/a/xi-putin/6734733.html',
    'HTTPS://WWW.VOACHINESE.COM:443/a/xi-putin/6734733.html/',
    'https://voachinese.com/a/xi-putin/6734733.html#comments',
    'https://www.voachinese.com/a/xi-putin/6734733.html?utm_source=rss&utm_medium=feed&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&igshid=5&spm=a.b&from=timeline&share_token=6&ref=tw&ref_src=twsrc&at_medium=x&ncid=7&cmpid=8&ocid=9&_ga=10',
    ' http://www.voachinese.com:80/a/xi-putin/6734733.html?from=groupmessage ',
  ]) {
    assert.equal(canonicalLink(variant), c, variant);
  }
  assert.equal(canonicalLink('https://n.example/a?b=2&a=1&a=0'), '//n.example/a?a=0&a=1&b=2', 'the rest sorted');
  assert.equal(canonicalLink('https://n.example/'), '//n.example/', 'the root keeps its slash');
  assert.equal(canonicalLink('https://n.example:8443/a'), '//n.example:8443/a', 'a real port is part of the address');
  // Parameters that identify a story are kept: dropping them would merge two stories.
  assert.notEqual(canonicalLink('https://n.example/show.php?cid=1'), canonicalLink('https://n.example/show.php?cid=2'));
  assert.notEqual(canonicalLink('https://n.example/a?id=2'), canonicalLink('https://n.example/a?id=3'));
  assert.equal(canonicalLink('  not a url '), 'not a url');
});

test('normalizeTitle: width, case, CJK and ASCII punctuation and spacing do not matter; words do', () => {
  assert.equal(normalizeTitle('“习近平”将访问 哈萨克斯坦！'), normalizeTitle('"习近平"将访问哈萨克斯坦 '));
  assert.equal(normalizeTitle('《人民日报》：习近平——出访（中亚）。'), '人民日报习近平出访中亚');
  assert.equal(normalizeTitle('ＡＢＣ News: Today'), 'abcnewstoday');
  assert.notEqual(normalizeTitle('习近平会见普京'), normalizeTitle('习近平会见拜登'));
});

test('same guid with a different link is the same story; guid wins over link, link over title', () => {
  const index = ArchiveIndex.open(root());
  try {
    index.upsert(rec({ id: FIRST_ID, guid: 'tag:voa,2022:6734733', link: 'https://www.voachinese.com/a/old-slug/6734733.html', title: '普京与习近平将会晤' }));
    index.upsert(rec({ id: FIRST_ID - 1, guid: 'tag:voa,2022:6735001', link: 'https://www.voachinese.com/a/sanctions/6735001.html', title: '美国宣布新制裁' }));
    assert.equal(probe(index, { guid: 'tag:voa,2022:6734733', link: 'https://www.voachinese.com/a/new-slug/6734733.html', title: '完全不同的标题' }), FIRST_ID);
    assert.equal(probe(index, { guid: 'tag:voa,2022:6734733', link: 'https://www.voachinese.com/a/sanctions/6735001.html' }), FIRST_ID, 'guid first');
    assert.equal(probe(index, { guid: 'unknown', link: 'https://www.voachinese.com/a/sanctions/6735001.html', title: '普京与习近平将会晤' }), FIRST_ID - 1, 'then link');
    assert.equal(probe(index, { guid: 'unknown', link: 'https://elsewhere.example/', title: '普京与习近平将会晤' }), null, 'a title alone is never enough');
    assert.deepEqual(candidates(index, { title: '普京与习近平将会晤' }), [FIRST_ID], 'it is a candidate, for the text to decide');
    assert.equal(probe(index, { guid: 'tag:voa,2022:6734733' }, 'bbc'), null, 'identity is per site');
  } finally {
    index.close();
  }
});

test('same link with utm_* and a fragment is the same story', () => {
  const index = ArchiveIndex.open(root());
  try {
    index.upsert(rec({ id: FIRST_ID, link: 'https://www.bbc.com/zhongwen/simp/world-62843261', title: '英国女王去世' }));
    assert.equal(probe(index, { link: 'https://www.bbc.com/zhongwen/simp/world-62843261?utm_source=feed&utm_campaign=rss#top', title: '另一个标题' }), FIRST_ID);
    assert.equal(probe(index, { link: 'https://www.bbc.com/zhongwen/simp/world-62843262' }), null);
  } finally {
    index.close();
  }
});

test('same title (punctuation and spacing aside) within three days is a candidate only; ten days apart it is not', () => {
  const index = ArchiveIndex.open(root());
  try {
    index.upsert(rec({ id: FIRST_ID, link: 'https://n.example/1', title: '台风“轩岚诺”逼近 台湾发布警报', published: T0 }));
    assert.equal(probe(index, { link: 'https://n.example/other', title: '台风"轩岚诺"逼近，台湾发布警报！', published: T0 + 2.5 * DAY }), null);
    assert.deepEqual(candidates(index, { title: '台风"轩岚诺"逼近，台湾发布警报！', published: T0 + 2.5 * DAY }), [FIRST_ID]);
    assert.deepEqual(candidates(index, { title: '台风轩岚诺逼近台湾发布警报', published: T0 - 3 * DAY }), [FIRST_ID], 'the window includes three days exactly');
    assert.deepEqual(candidates(index, { title: '台风轩岚诺逼近台湾发布警报', published: T0 + 10 * DAY }), []);
    assert.deepEqual(candidates(index, { title: '台风轩岚诺逼近台湾发布警报', published: T0 - 10 * DAY }), []);
  } finally {
    index.close();
  }
});

test('nextId: 0xFFFFF − 1 first (as the original), then the smallest id minus one over every folder of the site; folderOf follows the newest', () => {
  const index = ArchiveIndex.open(root());
  try {
    assert.equal(index.nextId('voa'), 0xfffff - 1);
    const seq: number[] = [];
    for (let i = 0; i < 4; i++) {
      const id = index.nextId('voa');
      seq.push(id);
      index.upsert(rec({ id, link: `https://n.example/${id}`, title: `t${id}` }));
    }
    assert.deepEqual(seq, [1048574, 1048573, 1048572, 1048571]);
    assert.equal(index.folderOf('voa'), 'voa');
    index.upsert(rec({ id: 1048000, path: 'articles/美国之音/1048000_旧.md', link: 'https://n.example/old', title: '旧' }));
    assert.equal(index.nextId('voa'), 1047999);
    assert.equal(index.folderOf('voa'), '美国之音');
    assert.equal(index.folderOf('bbc'), null);
    index.reserveId('voa', 1047000, 'articles/voa/1047000.md');
    assert.equal(index.nextId('voa'), 1046999, 'a reserved id (a corrupt file holds it) is never handed out');
    assert.deepEqual(index.folders().map((f) => f.folder).sort(), ['voa', '美国之音']);
    assert.equal(index.nextId('bbc'), 1048574);
  } finally {
    index.close();
  }
});

test('records, counts, newest-first order, sites, pending writes', () => {
  const index = ArchiveIndex.open(root());
  try {
    index.transaction(() => {
      for (const id of [1048575, 1048573, 1048574]) index.upsert(rec({ id, link: `https://n.example/${id}`, title: `t${id}` }));
      index.upsert(rec({ site: 'bbc', id: 1048575, path: 'articles/BBC/1048575_x.md', link: 'https://b.example/1', title: 'x' }));
      index.upsert(rec({ id: 1048572, link: 'https://n.example/pending', title: 'pending', contentHash: '' }));
    });
    assert.deepEqual(index.newest('voa', 2).map((r) => r.id), [1048573, 1048574]);
    assert.deepEqual(index.newest('voa', 300).map((r) => r.id), [1048573, 1048574, 1048575], 'pending writes are not listed');
    assert.equal(index.count('voa'), 3);
    assert.equal(index.count(), 4);
    assert.deepEqual(index.sites(), ['bbc', 'voa']);
    assert.equal([...index.all()].length, 5);
    assert.equal(index.get('voa', 1048572)!.contentHash, '');
    const r = rec({ id: 1048575, link: 'https://n.example/1048575', title: '改过的标题', guid: 'g', sourceHash: 's' });
    index.upsert(r);
    assert.deepEqual(index.get('voa', 1048575), { ...r, listTitle: null, undated: false });
    assert.throws(() => index.transaction(() => {
      index.upsert(rec({ id: 1, link: 'https://n.example/rollback', title: 'r' }));
      throw new Error('boom');
    }), /boom/);
    assert.equal(index.get('voa', 1), null, 'a failed transaction leaves nothing');
  } finally {
    index.close();
  }
});

test('counts follow every change of a row (written, pending, updated, cleared) and are added to an index made before them', () => {
  const dir = root();
  let index = ArchiveIndex.open(dir);
  const counts = () => ({ voa: index.count('voa'), bbc: index.count('bbc'), none: index.count('none'), all: index.count() });
  const direct = () => index.db.prepare("SELECT site, COUNT(*) AS n FROM articles WHERE content_hash != '' GROUP BY site ORDER BY site").all();
  try {
    assert.deepEqual(counts(), { voa: 0, bbc: 0, none: 0, all: 0 });
    index.transaction(() => {
      for (const id of [1048575, 1048574, 1048573]) index.upsert(rec({ id, link: `https://n.example/${id}`, title: `t${id}` }));
      index.upsert(rec({ id: 1048572, link: 'https://n.example/pending', title: 'pending', contentHash: '' }));
      index.upsert(rec({ site: 'bbc', id: 1048575, path: 'articles/BBC/1048575_x.md', link: 'https://b.example/1', title: 'x' }));
    });
    assert.deepEqual(counts(), { voa: 3, bbc: 1, none: 0, all: 4 }, 'a pending write is not counted');
    index.upsert(rec({ id: 1048572, link: 'https://n.example/pending', title: 'pending' }));
    assert.deepEqual(counts(), { voa: 4, bbc: 1, none: 0, all: 5 }, 'pending → written');
    index.upsert(rec({ id: 1048575, link: 'https://n.example/1048575', title: '改过的标题', sourceHash: 's' }));
    assert.deepEqual(counts(), { voa: 4, bbc: 1, none: 0, all: 5 }, 'an update of a written article');
    index.upsert(rec({ id: 1048574, link: 'https://n.example/1048574', title: 't', contentHash: '' }));
    assert.deepEqual(counts(), { voa: 3, bbc: 1, none: 0, all: 4 }, 'written → pending (a run reserving an id again)');
    assert.throws(() => index.transaction(() => {
      index.upsert(rec({ id: 1, link: 'https://n.example/rollback', title: 'r' }));
      throw new Error('boom');
    }), /boom/);
    assert.equal(index.count('voa'), 3, 'a rolled-back write is not counted');
  } finally {
    index.close();
  }
  // An index made before the counts: the table and triggers are added and filled from the articles on opening.
  const db = new Database(path.join(dir, '.newsmirror', 'index.db'));
  db.exec('DROP TRIGGER articles_count_insert; DROP TRIGGER articles_count_delete; DROP TRIGGER articles_count_update; DROP TABLE site_counts;');
  db.prepare("DELETE FROM articles WHERE site = 'voa' AND id = 1048573").run();
  db.close();
  index = ArchiveIndex.open(dir);
  try {
    assert.deepEqual(counts(), { voa: 2, bbc: 1, none: 0, all: 3 });
    assert.deepEqual(direct(), [{ site: 'bbc', n: 1 }, { site: 'voa', n: 2 }]);
    index.clearArticles();
    assert.deepEqual(counts(), { voa: 0, bbc: 0, none: 0, all: 0 });
  } finally {
    index.close();
  }
});

test('validators and meta persist across reopening; WAL and synchronous=NORMAL; a foreign schema is refused', () => {
  const dir = root();
  let index = ArchiveIndex.open(dir);
  assert.equal(index.getValidators('https://f.example/feed.xml'), null);
  index.setValidators('https://f.example/feed.xml', { etag: '"abc"', lastModified: 'Wed, 07 Sep 2022 13:31:51 GMT' });
  index.setValidators('https://f.example/feed.xml', { etag: '"def"', lastModified: null });
  index.setMeta('k', 'v1');
  index.upsert(rec({ id: FIRST_ID, link: 'https://n.example/1', title: 't' }));
  assert.equal(index.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(index.db.pragma('synchronous', { simple: true }), 1, 'NORMAL');
  index.close();
  index = ArchiveIndex.open(dir);
  try {
    assert.deepEqual(index.getValidators('https://f.example/feed.xml'), { etag: '"def"', lastModified: null });
    assert.equal(index.getMeta('k'), 'v1');
    assert.equal(index.getMeta('missing'), null);
    assert.equal(index.getMeta('schema'), '1');
    assert.equal(index.nextId('voa'), FIRST_ID - 1);
  } finally {
    index.close();
  }
  const db = new Database(path.join(dir, '.newsmirror', 'index.db'));
  db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run();
  db.close();
  assert.throws(() => ArchiveIndex.open(dir), (e: unknown) => e instanceof NewsmirrorError && e.code === 'corrupt_archive' && /schema 99/.test(e.message));
});
