/** The identity stage: canonical links, normalised titles, and the index's story matching on a real SQLite file. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArchiveIndex, canonicalLink, FIRST_ID, normalizeTitle } from '../../src/identity/index.js';
import type { ArticleRecord } from '../../src/types.js';
import { tempDir } from '../pipeline/harness.js';

test('canonicalLink drops tracking parameters, fragments, scheme, www and trailing slashes; sorts the rest', () => {
  const c = canonicalLink('https://www.News.example:443/a/1.html/?utm_source=rss&b=2&a=1&fbclid=x#comments');
  assert.equal(c, '//news.example/a/1.html?a=1&b=2');
  assert.equal(canonicalLink('http://news.example/a/1.html?b=2&a=1'), c);
  assert.equal(canonicalLink('https://news.example/'), '//news.example/');
  assert.notEqual(canonicalLink('https://news.example/a/1.html?id=2'), canonicalLink('https://news.example/a/1.html?id=3'));
  assert.equal(canonicalLink('not a url'), 'not a url');
});

test('normalizeTitle ignores punctuation, width and spacing', () => {
  assert.equal(normalizeTitle('“习近平”将访问 哈萨克斯坦！'), normalizeTitle('"习近平"将访问哈萨克斯坦'));
  assert.equal(normalizeTitle('ＡＢＣ News: Today'), 'abcnewstoday');
});

function rec(p: Partial<ArticleRecord> & { id: number }): ArticleRecord {
  return {
    site: 'voa', path: `articles/voa/${p.id}.md`, guid: null, link: 'https://n.example/x', canonicalLink: '//n.example/x', title: 't',
    normTitle: 't', published: 0, contentHash: 'h', sourceHash: null, firstSeen: 0, updatedAt: 0, ...p,
  };
}

test('findStory: guid, then canonical link; a title within three days is only a candidate; ids and folders continue', () => {
  const index = ArchiveIndex.open(tempDir());
  try {
    assert.equal(index.nextId('voa'), FIRST_ID);
    const day = 24 * 3600 * 1000;
    index.upsert(rec({ id: FIRST_ID, guid: 'g1', link: 'https://n.example/1', canonicalLink: '//n.example/1', normTitle: normalizeTitle('台风来袭'), published: 10 * day }));
    index.upsert(rec({ id: FIRST_ID - 1, path: 'articles/VOA/1048574_x.md', link: 'https://n.example/2', canonicalLink: '//n.example/2', normTitle: 'other', published: 11 * day }));
    assert.equal(index.nextId('voa'), FIRST_ID - 2);
    assert.equal(index.nextId('bbc'), FIRST_ID);
    assert.equal(index.folderOf('voa'), 'VOA');
    const probe = (p: Partial<{ guid: string | null; canonicalLink: string | null; normTitle: string | null; published: number }>) =>
      index.findStory('voa', { guid: null, canonicalLink: null, normTitle: null, published: 10 * day, ...p })?.id ?? null;
    assert.equal(probe({ guid: 'g1' }), FIRST_ID);
    assert.equal(probe({ canonicalLink: canonicalLink('https://n.example/2?utm_medium=feed#x') }), FIRST_ID - 1);
    assert.equal(probe({ normTitle: normalizeTitle('台风，来袭！'), published: 12 * day }), null, 'a title alone is never the same story');
    const candidates = (normTitle: string, published: number) => index.titleCandidates('voa', { guid: null, canonicalLink: null, normTitle, published }).map((r) => r.id);
    assert.deepEqual(candidates(normalizeTitle('台风，来袭！'), 12 * day), [FIRST_ID], 'but a candidate, for the text to decide');
    assert.deepEqual(candidates(normalizeTitle('台风来袭'), 20 * day), [], 'same title ten days later is not even a candidate');
    assert.equal(probe({ guid: 'g-unknown', canonicalLink: '//n.example/3' }), null);
    assert.equal(index.findStory('bbc', { guid: 'g1', canonicalLink: null, normTitle: null, published: 0 }), null, 'identity is per site');
    assert.deepEqual(index.newest('voa', 10).map((r) => r.id), [FIRST_ID - 1, FIRST_ID]);
    index.setValidators('https://f/x.xml', { etag: '"e"', lastModified: null });
    assert.deepEqual(index.getValidators('https://f/x.xml'), { etag: '"e"', lastModified: null });
  } finally {
    index.close();
  }
});
