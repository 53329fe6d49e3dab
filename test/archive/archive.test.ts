/** Writing atomically, importing an archive in the original layout, verifying and repairing it — on real files. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  importArchive,
  isTempFile,
  parseArticleFile,
  renderArticleFile,
  renderList,
  verifyArchive,
  writeFileAtomic,
  writeFilesAtomic,
} from '../../src/archive/index.js';
import { ArchiveIndex, canonicalLink, normalizeTitle } from '../../src/identity/index.js';
import { copyOriginal, ORIGINAL, SEED, SITES, snapshot, tempDir } from './helpers.js';

test('writeFileAtomic replaces whole files by rename, and touches nothing when the bytes are the same', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'a', 'b.md');
  assert.equal(await writeFileAtomic(f, 'one'), true);
  const first = statSync(f);
  assert.equal(await writeFileAtomic(f, Buffer.from('one')), false);
  const same = statSync(f);
  assert.equal(same.ino, first.ino);
  assert.equal(same.mtimeMs, first.mtimeMs);
  assert.equal(await writeFileAtomic(f, 'two'), true);
  assert.equal(readFileSync(f, 'utf8'), 'two');
  assert.notEqual(statSync(f).ino, first.ino, 'a new inode: the file was renamed over, not truncated in place');
  assert.deepEqual(readdirSync(path.join(dir, 'a')), ['b.md'], 'no temp file left');
});

test('a failed batch of atomic writes leaves its targets alone and no temp files behind', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'sub', 'blocker'), { recursive: true });
  writeFileSync(path.join(dir, 'sub', 'keep.md'), 'old');
  await assert.rejects(
    writeFilesAtomic([
      { file: path.join(dir, 'sub', 'keep.md'), data: 'new' },
      { file: path.join(dir, 'sub', 'blocker'), data: 'cannot replace a folder' },
    ]),
  );
  assert.equal(readFileSync(path.join(dir, 'sub', 'keep.md'), 'utf8'), 'old');
  assert.deepEqual(readdirSync(path.join(dir, 'sub')).sort(), ['blocker', 'keep.md']);
});

test('temp files are recognised by their own pattern only', () => {
  assert.ok(isTempFile('.1048575.md.1234-0a1b2c3d.tmp'));
  assert.ok(isTempFile('.1048575.md.1234-0a1b2c3d.nmtmp'), 'earlier versions');
  assert.ok(!isTempFile('notes.tmp'));
  assert.ok(!isTempFile('1048575.md'));
});

/** The fixture's lists as the index re-renders them (the original's order: ascending id, first 300). */
function listsFromIndex(index: ArchiveIndex): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of SITES) out[s.name] = renderList(s.name, index.newest(s.abbr, 300));
  return out;
}

test('import of the original layout: counts, ids continue, files untouched, lists re-render byte for byte, verify clean', async () => {
  const root = copyOriginal();
  const before = snapshot(root);
  const index = ArchiveIndex.open(root);
  try {
    const rep = await importArchive(root, index, SITES);
    assert.equal(rep.files, 8);
    assert.equal(rep.indexed, 8);
    assert.deepEqual(rep.skipped, []);
    assert.deepEqual(rep.sites.voa, { files: 6, minId: 1048570, folder: 'voa' });
    assert.deepEqual(rep.sites.bbc, { files: 2, minId: 1048574, folder: 'BBC' }, 'display-name folder maps to the configured site');
    assert.equal(index.nextId('voa'), 1048569);
    assert.equal(index.nextId('bbc'), 1048573);
    assert.equal(index.folderOf('bbc'), 'BBC', 'new BBC files continue in the folder the archive uses');
    assert.deepEqual(index.sites(), ['bbc', 'voa']);
    assert.equal(index.count(), 8);

    const seed = index.get('voa', 1048575)!;
    assert.equal(seed.path, 'articles/voa/1048575.md');
    assert.equal(seed.title, '俄官员证实普京与习近平下周将在乌兹别克斯坦举行会晤');
    assert.equal(seed.published, 1662557943000);
    assert.equal(index.get('bbc', 1048575)!.path, 'articles/BBC/1048575_英国女王伊丽莎白二世去世.md');

    assert.deepEqual(snapshot(root), before, 'import writes nothing in the archive');
    for (const [name, text] of Object.entries(listsFromIndex(index))) {
      assert.equal(text, readFileSync(path.join(ORIGINAL, 'lists', `${name}.md`), 'utf8'), name);
    }

    const v = await verifyArchive(root, index, { repair: false, sites: SITES });
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.warnings, []);
    assert.equal(v.files, 8);

    // Re-import: same report, same records, nothing written.
    const rows = [...index.all()];
    const again = await importArchive(root, index, SITES);
    assert.deepEqual(again, rep);
    assert.deepEqual([...index.all()], rows);
    assert.deepEqual(snapshot(root), before);
  } finally {
    index.close();
  }
});

test('the story the original stored twice keeps both files, and the same story from the feed matches them', async () => {
  const root = copyOriginal();
  const index = ArchiveIndex.open(root);
  try {
    await importArchive(root, index, SITES);
    const a = index.get('voa', 1048573)!;
    const b = index.get('voa', 1048572)!;
    assert.equal(a.canonicalLink, b.canonicalLink);
    // The feed serves it again, with a tracking parameter and a later date.
    const link = 'https://www.voachinese.com/a/taiwan-han-kuang-20220909/6736002.html?utm_source=rss#top';
    const hit = index.findStory('voa', { guid: null, canonicalLink: canonicalLink(link), normTitle: normalizeTitle('台湾举行年度汉光军演！'), published: Date.UTC(2022, 8, 10) });
    assert.ok(hit, 'matched: no third copy');
    assert.equal(hit.id, 1048572, 'the newer of the two (smaller id)');
    // By title alone it is a candidate only (a feed that changed its link scheme): the text decides.
    const probe = { guid: null, canonicalLink: '//elsewhere.example/x', normTitle: normalizeTitle('台湾举行 年度汉光军演'), published: Date.UTC(2022, 8, 9, 12) };
    assert.equal(index.findStory('voa', probe), null);
    assert.deepEqual(index.titleCandidates('voa', probe).map((r) => r.id).sort(), [1048572, 1048573]);
  } finally {
    index.close();
  }
});

test('a corrupt file is reported, skipped, never modified, and its id never handed out; unknown folders keep their own key', async () => {
  const root = copyOriginal();
  writeFileSync(path.join(root, 'articles/voa/1048560.md'), 'garbage\n');
  mkdirSync(path.join(root, 'articles/rfa'), { recursive: true });
  writeFileSync(path.join(root, 'articles/rfa/1048575.md'), renderArticleFile({ published: 1, title: 't', link: 'https://rfa.example/1', body: 'b' }));
  const before = snapshot(root);
  const index = ArchiveIndex.open(root);
  try {
    const rep = await importArchive(root, index, SITES);
    assert.equal(rep.files, 10);
    assert.equal(rep.indexed, 9);
    assert.equal(rep.skipped.length, 1);
    assert.equal(rep.skipped[0]!.file, 'articles/voa/1048560.md');
    assert.match(rep.skipped[0]!.reason, /^articles\/voa\/1048560\.md: not an article file/);
    assert.deepEqual(snapshot(root), before);
    assert.equal(index.nextId('voa'), 1048559, 'below the corrupt file: a new article cannot overwrite it');
    assert.equal(rep.sites.rfa!.minId, 1048575);
    assert.equal(index.nextId('rfa'), 1048574, 'a site configured later continues its ids');
    // Configured later, by display name: the same folder maps to the new abbr.
    const later = await importArchive(root, ArchiveIndex.open(tempDir()), [...SITES, { name: 'rfa', abbr: 'radiofreeasia' }]);
    assert.equal(later.sites.radiofreeasia!.minId, 1048575);
    const v = await verifyArchive(root, index, { repair: false, sites: SITES });
    assert.deepEqual(v.problems, ['articles/voa/1048560.md: not an article file (fewer than 3 lines)']);
  } finally {
    index.close();
  }
});

test('two folders of one site with the same id: both files are kept as files of one story, verify is content', async () => {
  const root = copyOriginal();
  mkdirSync(path.join(root, 'articles/美国之音'));
  writeFileSync(path.join(root, 'articles/美国之音/1048575_副本.md'), readFileSync(SEED));
  writeFileSync(path.join(root, 'articles/美国之音/1048500_旧文.md'), renderArticleFile({ published: 2, title: '旧文', link: 'https://v.example/old', body: '' }));
  const index = ArchiveIndex.open(root);
  try {
    const rep = await importArchive(root, index, SITES);
    assert.equal(rep.indexed, 10);
    assert.equal(rep.aliases, 1);
    assert.deepEqual(rep.skipped, []);
    assert.equal(index.get('voa', 1048575)!.path, 'articles/voa/1048575.md', 'the first file in name order is the story');
    assert.deepEqual(index.aliasPaths('voa', 1048575), ['articles/美国之音/1048575_副本.md']);
    assert.equal(index.nextId('voa'), 1048499, 'smallest id over all folders of the site');
    const v = await verifyArchive(root, index, { repair: false, sites: SITES });
    assert.deepEqual(v.problems, []);
  } finally {
    index.close();
  }
});

test('verify finds temp files, missing, unindexed and edited files and changes nothing; --repair removes temps and rebuilds', async () => {
  const root = copyOriginal();
  const index = ArchiveIndex.open(root);
  try {
    await importArchive(root, index, SITES);
    // What only the index knows, which a rebuild must not lose for files that did not change.
    index.upsert({ ...index.get('voa', 1048574)!, guid: 'voa-guid-6735001', sourceHash: 'abc' });
    writeFileSync(path.join(root, 'articles/voa/.1048570.md.123-abcd0123.tmp'), 'partial');
    unlinkSync(path.join(root, 'articles/voa/1048571.md'));
    writeFileSync(path.join(root, 'articles/BBC/1048573_新文章.md'), renderArticleFile({ published: 3, title: '新文章', link: 'https://bbc.example/3', body: '' }));
    const edited = path.join(root, 'articles/voa/1048573.md');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace('</p>', '（编辑）</p>'));
    // Counts gone wrong (the index edited by hand, say).
    index.db.prepare("UPDATE site_counts SET written = written + 5 WHERE site = 'voa'").run();
    const before = snapshot(root);
    const rows = [...index.all()];

    const v = await verifyArchive(root, index, { repair: false, sites: SITES });
    const voa = rows.filter((r) => r.site === 'voa' && r.contentHash !== '').length;
    const all = rows.filter((r) => r.contentHash !== '').length;
    assert.deepEqual(v.problems.sort(), [
      'articles/BBC/1048573_新文章.md: file is not in the index',
      'articles/voa/1048571.md: in the index but the file is missing',
      'articles/voa/1048573.md: file differs from the index (edited outside newsmirror?)',
      `index: ${all + 5} articles counted in all, but it holds ${all}`,
      `index: site voa is counted as ${voa + 5} articles, but holds ${voa}`,
    ]);
    assert.deepEqual(v.warnings, ['articles/voa/.1048570.md.123-abcd0123.tmp: temp file left by an interrupted write (never renamed; removed by the next run)']);
    assert.equal(v.repaired, false);
    assert.deepEqual(snapshot(root), before, 'verify alone changes no file');
    assert.deepEqual([...index.all()], rows, 'verify alone changes no record');

    // Repair without a site list: folders map back to the sites the index knew (BBC stays bbc).
    const r = await verifyArchive(root, index, { repair: true });
    assert.equal(r.repaired, true);
    assert.ok(!existsSync(path.join(root, 'articles/voa/.1048570.md.123-abcd0123.tmp')));
    const clean = await verifyArchive(root, index, { repair: false, sites: SITES });
    assert.deepEqual(clean.problems, []);
    assert.deepEqual(clean.warnings, []);
    assert.equal(index.get('voa', 1048571), null);
    assert.equal(index.get('bbc', 1048573)!.title, '新文章');
    assert.equal(index.get('voa', 1048574)!.guid, 'voa-guid-6735001', 'guid of an unchanged file survives the rebuild');
    assert.equal(parseArticleFile(readFileSync(edited, 'utf8'), edited).body.includes('（编辑）'), true, 'files are the record');
    assert.equal(index.get('voa', 1048573)!.contentHash.length, 64);
    assert.equal(index.count('voa'), voa - 1, 'counts rebuilt with the records (one voa file is gone)');
  } finally {
    index.close();
  }
});
