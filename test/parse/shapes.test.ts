/**
 * Feeds the real world sends (issue 12, requirement 5), one golden fixture per case in test/fixtures/feeds/:
 * `<case>.<ext>` is the feed, `<case>.expected.json` what must come out of it, written by hand from the file.
 * Each case is checked through the library and through the real CLI (`newsmirror inspect <file> --json`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { NewsmirrorError } from '../../src/errors.js';
import { parseFeed } from '../../src/parse/index.js';
import { cli } from '../pipeline/harness.js';

const DIR = fileURLToPath(new URL('../fixtures/feeds/', import.meta.url));

interface ExpectedItem {
  title?: string | null;
  link?: string | null;
  guid?: string | null;
  published?: string | null;
  updated?: string | null;
  author?: string | null;
  /** A piece of the body (contentHtml) it must hold, or null for no body. */
  content?: string | null;
  summary?: string | null;
}
type ExpectedFeed = { format: string; title: string | null; link: string | null; items: ExpectedItem[] };
type Expected = ExpectedFeed | { error: string };

/** Every case: [input file, expectation]. The eight UTF-16/UTF-32 files share one expectation. */
function cases(): [string, Expected][] {
  const files = readdirSync(DIR).filter((f) => !f.endsWith('.expected.json') && /\.(xml|rdf|json)$/.test(f));
  const out: [string, Expected][] = [];
  for (const e of readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).sort()) {
    const stem = e.slice(0, -'.expected.json'.length);
    const expected = JSON.parse(readFileSync(path.join(DIR, e), 'utf8')) as Expected;
    const inputs = stem === 'utf-16-32' ? files.filter((f) => /^utf-(16|32)(le|be)-(bom|no-bom)\.xml$/.test(f)) : files.filter((f) => f.replace(/\.[a-z]+$/, '') === stem);
    assert.equal(inputs.length, stem === 'utf-16-32' ? 8 : 1, `inputs for ${e}: ${inputs.join(', ')}`);
    for (const f of inputs) out.push([f, expected]);
  }
  return out;
}

/** The fields of a parsed or inspected item that an expectation names. */
function check(file: string, got: { format: string; title: string | null; link: string | null; items: Record<string, unknown>[] }, want: ExpectedFeed) {
  assert.equal(got.format, want.format, `${file}: format`);
  assert.equal(got.title, want.title, `${file}: feed title`);
  assert.equal(got.link, want.link, `${file}: feed link`);
  assert.equal(got.items.length, want.items.length, `${file}: items`);
  want.items.forEach((w, i) => {
    const it = got.items[i]!;
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
    for (const k of ['title', 'link', 'guid', 'published', 'updated', 'author'] as const) {
      if (k in w) assert.equal(iso(it[k]), w[k], `${file} item ${i}: ${k}`);
    }
    for (const k of ['content', 'summary'] as const) {
      if (!(k in w)) continue;
      const v = it[k === 'content' ? 'contentHtml' : 'summary'] as string | null;
      if (w[k] === null) assert.ok(v === null || v === '', `${file} item ${i}: no ${k}, got ${v}`);
      else assert.ok(v?.includes(w[k]!), `${file} item ${i}: ${k} ${JSON.stringify(v)} lacks ${JSON.stringify(w[k])}`);
    }
  });
}

test('every shape parses to its golden expectation (library)', () => {
  const all = cases();
  assert.ok(all.length >= 30, `${all.length} cases`);
  for (const [file, want] of all) {
    const bytes = readFileSync(path.join(DIR, file));
    if ('error' in want) {
      assert.throws(
        () => parseFeed(bytes, { url: `file:///x/${file}`, name: file }),
        (e: unknown) => e instanceof NewsmirrorError && e.code === 'malformed_feed' && e.message === `${file}: ${want.error}`,
        file,
      );
      continue;
    }
    check(file, parseFeed(bytes, { url: `file:///x/${file}` }) as never, want);
  }
});

test('every shape, through the real CLI: `inspect <file> --json` reports format and items, or one line naming the file', async () => {
  const all = cases();
  // Two at a time: the machine is shared.
  for (let i = 0; i < all.length; i += 2) {
    await Promise.all(
      all.slice(i, i + 2).map(async ([file, want]) => {
        const r = await cli(['inspect', file, '--json'], DIR);
        if ('error' in want) {
          assert.equal(r.code, 1, file);
          assert.equal(r.stdout, '', file);
          assert.equal(r.stderr, `newsmirror: ${file}: ${want.error}\n`, file);
          return;
        }
        assert.equal(r.code, 0, `${file}: ${r.stderr}`);
        const out = JSON.parse(r.stdout) as { feed: { format: string; title: string | null; link: string | null }; items: Record<string, unknown>[] };
        check(file, { ...out.feed, items: out.items }, want);
      }),
    );
  }
});

test('UTF-16/32 is found from its bytes whatever the header says; a UTF-16 label on ASCII-compatible bytes is not believed', () => {
  const xml = (enc: string) => `<?xml version="1.0" encoding="${enc}"?><rss version="2.0"><channel><title>德国之声</title><item><title>标题</title></item></channel></rss>`;
  for (const charset of ['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be']) {
    const bytes = iconv.encode(xml('UTF-16'), charset, { addBOM: false });
    // A server that announces UTF-8 (or GBK) for a UTF-16 document without BOM: NUL bytes cannot be either.
    for (const contentType of ['application/rss+xml; charset=utf-8', 'text/xml; charset=gbk', null]) {
      const feed = parseFeed(bytes, { url: 'https://x.example/f', contentType });
      assert.equal(feed.title, '德国之声', `${charset} ${contentType}`);
      assert.equal(feed.items[0]!.title, '标题');
    }
  }
  // Written in UTF-8 but declared (or served) as UTF-16: the declaration was readable as ASCII, so it is wrong.
  const utf8 = Buffer.from(xml('UTF-16'));
  assert.equal(parseFeed(utf8, { url: 'https://x.example/f' }).title, '德国之声');
  assert.equal(parseFeed(utf8, { url: 'https://x.example/f', contentType: 'text/xml; charset=utf-16' }).title, '德国之声');
  // A UTF-16LE BOM followed by U+0000 is not a UTF-16 document: FF FE 00 00 is the UTF-32LE BOM.
  const bom32 = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), iconv.encode(xml('UTF-32'), 'utf-32le', { addBOM: false })]);
  assert.equal(parseFeed(bom32, { url: 'https://x.example/f' }).title, '德国之声');
});

test('prefixes are looked up by namespace: Dublin Core under another prefix, RSS 2.0 in the Userland namespace, Atom under a prefix', () => {
  const rss2 = `<rss xmlns="http://backend.userland.com/rss2" xmlns:d="http://purl.org/dc/elements/1.1/"><channel><title>VOA</title>
    <item><title>条目</title><d:creator>记者</d:creator><d:date>2024-01-02T03:04:05Z</d:date></item></channel></rss>`;
  const a = parseFeed(rss2, { url: 'https://x.example/' });
  assert.equal(a.items[0]!.author, '记者');
  assert.equal(a.items[0]!.published?.toISOString(), '2024-01-02T03:04:05.000Z');
  const atom = `<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>RFI</a:title><a:entry><a:title type="html">&lt;b&gt;粗&lt;/b&gt;体</a:title>
    <a:link href="https://rfi.example/1"/><a:id>1</a:id><a:content type="html">&lt;p&gt;正文&lt;/p&gt;</a:content></a:entry></a:feed>`;
  const b = parseFeed(atom, { url: 'https://x.example/' });
  assert.equal(b.format, 'atom');
  assert.equal(b.items[0]!.title, '粗体');
  assert.equal(b.items[0]!.contentHtml, '<p>正文</p>');
  // An element that rebinds a prefix to a known namespace deeper down is renamed under it.
  const nested = `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item xmlns:x="http://purl.org/dc/terms/"><title>t</title><x:creator>甲</x:creator></item></channel></rss>`;
  assert.equal(parseFeed(nested, { url: 'https://x.example/' }).items[0]!.author, '甲');
});

test('a JSON Feed or plain text in UTF-16 is recognised as what it is', () => {
  const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: '自由亚洲电台', items: [{ id: '1', url: 'https://rfa.example/1', title: '标题' }] });
  for (const bom of [true, false]) {
    const bytes = iconv.encode(json, 'utf-16le', { addBOM: bom });
    const feed = parseFeed(bytes, { url: 'https://x.example/f.json' });
    assert.equal(feed.format, 'json');
    assert.equal(feed.items[0]!.title, '标题');
  }
  assert.throws(() => parseFeed(iconv.encode('只是一段文字，不是订阅源', 'utf-16be', { addBOM: true }), { url: 'https://x.example/t', name: 't.txt' }), /^NewsmirrorError: t\.txt: not a feed \(plain text, no XML or JSON\)$/);
});
