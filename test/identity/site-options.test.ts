/** Per-site identity options: the id scheme (`ids`) and the category filter (`include.category`). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SITES, fromObject } from '../../src/config/index.js';
import { NewsmirrorError } from '../../src/errors.js';
import { wordpressId } from '../../src/identity/index.js';

test('wordpressId: 0xFFFFF ^ the post id of ?p=<n>, from the guid, else the link', () => {
  // 399852 is the sample's 【真理部】 post; WordPress post 648723.
  assert.equal(wordpressId('https://chinadigitaltimes.net/chinese/?p=648723', null), 399852);
  assert.equal(wordpressId(null, 'https://chinadigitaltimes.net/chinese/?p=648723&utm_source=rss'), 399852);
  assert.equal(wordpressId('tag:x', 'https://chinadigitaltimes.net/chinese/2020/06/slug/'), null);
  assert.equal(wordpressId('https://x.example/?pp=1', null), null);
});

test('config: ids and include.category per site; the default CDT entry uses both, as the original did', () => {
  const c = fromObject({ sites: [{ name: '中国数字时代', abbr: 'cdt', feed: 'https://c.example/feed', ids: 'wordpress', include: { category: '真理部|404' } }] }, 'x.yaml', { cwd: '/' });
  assert.equal(c.sites[0]!.ids, 'wordpress');
  assert.ok(c.sites[0]!.include!.category.test('【真理部】'));
  assert.ok(!c.sites[0]!.include!.category.test('Other'));
  const cdt = DEFAULT_SITES.find((s) => s.abbr === 'cdt')!;
  assert.equal(cdt.ids, 'wordpress');
  for (const cat of ['【一周精选】', '🔥热点', '©']) assert.ok(cdt.include!.category.test(cat), cat);
  assert.ok(!cdt.include!.category.test('China'));
  assert.equal(fromObject({}, null, { cwd: '/' }).sites.find((s) => s.abbr === 'voa')!.ids, undefined);
  assert.throws(
    () => fromObject({ sites: [{ name: 'x', abbr: 'x', feed: 'https://x.example/', include: { category: '(' } }] }, 'x.yaml', { cwd: '/' }),
    (e: unknown) => e instanceof NewsmirrorError && /x\.yaml: sites\[0\]\.include\.category: must be a valid regular expression/.test(e.message),
  );
  assert.throws(() => fromObject({ sites: [{ name: 'x', abbr: 'x', feed: 'https://x.example/', ids: 'random' }] }, 'x.yaml', { cwd: '/' }), NewsmirrorError);
});
