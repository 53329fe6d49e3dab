/** The matcher that finds a redacted text by its hash: both scripts, hidden characters, HTML, links. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadRedactions } from '../../src/redact/index.js';
import { fold, Matcher } from '../../src/redact/match.js';

const SALT = '0123456789abcdef0123456789abcdef';

/**
 * The three ways a matcher is built: from the stored hash with the hint a rule records and without one (a run),
 * and from the known text (the redact command).
 */
function both(text: string, replace = '[X]'): Matcher[] {
  const probe = new Matcher(SALT, []);
  const needle = { hash: probe.hashOf(text), length: [...fold(text)].length, replace };
  return [new Matcher(SALT, [{ ...needle, hint: probe.hintOf(text) }]), new Matcher(SALT, [needle]), new Matcher(SALT, [], [{ text, replace }])];
}

test('fold: Traditional to Simplified, full width, case; invisible characters dropped; one code point for one', () => {
  assert.equal(fold('張三豐'), '张三丰');
  assert.equal(fold('ＪＯＨＮ Doe'), 'john doe');
  assert.equal(fold('张\u200b三\u00ad丰'), '张三丰');
  assert.equal([...fold('乾隆 頭髮 𠀀')].length, [...'乾隆 頭髮 𠀀'].length);
});

test('text: found in either script, in any case, through hidden characters; the rest kept byte for byte', () => {
  for (const m of both('张三丰')) {
    assert.equal(m.text('昨天張三豐和张三丰见面，张\u200b三丰也在。'), '昨天[X]和[X]见面，[X]也在。');
    assert.equal(m.text('张三和三丰不是他'), '张三和三丰不是他');
  }
  for (const m of both('John Doe')) assert.equal(m.text('JOHN DOE said, john doe.'), '[X] said, [X].');
});

test('html: text across tags and character references, attribute values, percent-encoded links; nothing else re-encoded', () => {
  for (const m of both('张三丰')) {
    const html = '<p title="張三豐">张<b>三</b>丰 &#24352;&#x4e09;丰 a&amp;b</p><p>無關&nbsp;文字 &lt;tag&gt;</p><a href="https://x.example/tag/%E5%BC%A0%E4%B8%89%E4%B8%B0">t</a>';
    assert.equal(
      m.html(html),
      '<p title="[X]">[X]<b></b> [X] a&amp;b</p><p>無關&nbsp;文字 &lt;tag&gt;</p><a href="https://x.example/tag/%5BX%5D">t</a>',
    );
  }
});

test('the longest rule wins where two overlap; a text with no rule is returned as it is', () => {
  const long = new Matcher(SALT, []).hashOf('张三丰');
  const short = new Matcher(SALT, []).hashOf('张三');
  const m = new Matcher(SALT, [
    { hash: short, length: 2, replace: '[2]' },
    { hash: long, length: 3, replace: '[3]' },
  ]);
  assert.equal(m.text('张三丰 张三'), '[3] [2]');
  const none = new Matcher(SALT, []);
  assert.equal(none.html('<p>张三丰</p>'), '<p>张三丰</p>');
});

test('loadRedactions: no file, no cost; a broken file stops the run with a one-line config error naming it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nm-rules-'));
  const none = loadRedactions(dir);
  assert.equal(none.count, 0);
  const item = { guid: 'g', title: '张三丰', link: 'https://x/', published: null, updated: null, author: null, contentHtml: null, summary: null };
  assert.equal(none.item(item), item);
  writeFileSync(path.join(dir, 'redactions.yaml'), 'salt: 0123456789abcdef0123456789abcdef\nrules:\n  - target: voa/1\n    action: text\n    match: nothex\n');
  assert.throws(() => loadRedactions(dir), (err: Error & { code?: string }) => err.code === 'config' && /redactions\.yaml: rules\.0\.match/.test(err.message) && !err.message.includes('\n'));
  writeFileSync(path.join(dir, 'redactions.yaml'), 'salt: [unclosed\n');
  assert.throws(() => loadRedactions(dir), /redactions\.yaml: not valid YAML/);
});
