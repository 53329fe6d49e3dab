import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SITES, loadConfig } from '../../src/config/index.js';
import { NewsmirrorError } from '../../src/errors.js';

function withConfig(yaml: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'nm-config-'));
  writeFileSync(path.join(dir, 'newsmirror.yaml'), yaml);
  return dir;
}

function configError(yaml: string): NewsmirrorError {
  const dir = withConfig(yaml);
  try {
    loadConfig({ cwd: dir });
  } catch (err) {
    assert.ok(err instanceof NewsmirrorError);
    assert.equal(err.code, 'config');
    assert.ok(!err.message.includes('\n'), 'one line');
    assert.ok(err.message.includes(path.join(dir, 'newsmirror.yaml')), `names the file: ${err.message}`);
    return err;
  }
  assert.fail('expected a config error');
}

test('no config file: the original nine sites, archive in cwd, weserv proxy', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nm-config-'));
  const c = loadConfig({ cwd: dir });
  assert.equal(c.configPath, null);
  assert.equal(c.archive, dir);
  assert.deepEqual(c.sites.map((s) => s.name), ['路透', '纽约时报', '美国之音', '金融时报', 'BBC', '法广', '德国之声', '自由亚洲电台', '中国数字时代']);
  assert.equal(c.sites.find((s) => s.abbr === 'voa')?.feed, 'https://feedx.net/rss/mgzy1.xml');
  assert.equal(c.sites.find((s) => s.abbr === 'cdt')?.selector, 'div.post-content');
  assert.equal(c.imageProxy, 'https://images.weserv.nl?url={url}');
  assert.equal(DEFAULT_SITES.length, 9);
});

test('the minimum keys of the issue, archive relative to the config file', () => {
  const dir = withConfig(`archive: out
imageProxy: "none"
sites:
  - name: 美国之音
    abbr: voa
    feed: https://feedx.net/rss/mgzy1.xml
`);
  const c = loadConfig({ cwd: dir });
  assert.equal(c.archive, path.join(dir, 'out'));
  assert.equal(c.imageProxy, null);
  assert.deepEqual(c.sites, [{ name: '美国之音', abbr: 'voa', feed: 'https://feedx.net/rss/mgzy1.xml', fullText: 'auto', selector: null, images: 'proxy' }]);
  assert.equal(c.siteDir, path.join(dir, 'out', 'site'));
});

test('--config and --archive overrides', () => {
  const dir = withConfig('sites: [{name: A, abbr: a, feed: "http://127.0.0.1/a.xml"}]\n');
  writeFileSync(path.join(dir, 'other.yaml'), 'sites: [{name: B, abbr: b, feed: "http://127.0.0.1/b.xml", images: local}]\nfetch: {timeoutSeconds: 3}\n');
  const c = loadConfig({ cwd: dir, configPath: 'other.yaml', archive: 'arch' });
  assert.equal(c.sites[0]!.abbr, 'b');
  assert.equal(c.sites[0]!.images, 'local');
  assert.equal(c.fetch.timeoutMs, 3000);
  assert.equal(c.archive, path.join(dir, 'arch'));
});

test('errors name the file, the key and what is wrong', () => {
  assert.match(configError('sites:\n  - name: X\n    abbr: x\n    feed: ftp://x/feed\n').message, /sites\[0\]\.feed: must be an absolute http\(s\) URL/);
  assert.match(configError('sites:\n  - name: X\n    abbr: "../x"\n    feed: http://x/f\n').message, /sites\[0\]\.abbr: must be letters/);
  assert.match(configError('imageproxy: none\n').message, /imageproxy: unknown key/);
  assert.match(configError('sites:\n  - name: X\n    feed: http://x/f\n').message, /sites\[0\]\.abbr: is required/);
  assert.match(configError('listSize: many\n').message, /listSize: expected number, got string/);
  assert.match(configError('imageProxy: "https://p.example/?u="\n').message, /imageProxy: must be "none" or an http\(s\) URL template containing \{url\}/);
  assert.match(configError('sites:\n  - {name: A, abbr: a, feed: "http://x/1"}\n  - {name: B, abbr: a, feed: "http://x/2"}\n').message, /sites\[1\]\.abbr: "a" is already used by sites\[0\]/);
  assert.match(configError('sites:\n  - {name: "a/b", abbr: a, feed: "http://x/1"}\n').message, /sites\[0\]\.name: must not contain/);
  assert.match(configError('sites: [\n').message, /invalid YAML/);
  assert.match(configError('- just\n- a list\n').message, /must be a mapping/);
});

test('an explicit config file that does not exist is an error naming it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nm-config-'));
  assert.throws(() => loadConfig({ cwd: dir, configPath: 'missing.yaml' }), (err: unknown) => {
    assert.ok(err instanceof NewsmirrorError);
    assert.match(err.message, /missing\.yaml: cannot read config \(ENOENT\)/);
    return true;
  });
});

test('site.pagesPerSite and site.sourceUrl: defaults, a trailing slash, clear errors', () => {
  const d = loadConfig({ cwd: withConfig('sites: [{name: A, abbr: a, feed: "http://127.0.0.1/a.xml"}]\n') });
  assert.deepEqual(d.sitePages, { perSite: 5000, sourceUrl: null });
  const c = loadConfig({ cwd: withConfig('site: {pagesPerSite: 0, sourceUrl: "https://github.com/o/r/blob/main"}\nsites: [{name: A, abbr: a, feed: "http://127.0.0.1/a.xml"}]\n') });
  assert.deepEqual(c.sitePages, { perSite: 0, sourceUrl: 'https://github.com/o/r/blob/main/' });
  assert.match(configError('site: {pagesPerSite: -1}\n').message, /site\.pagesPerSite: /);
  assert.match(configError('site: {sourceUrl: "github.com/o/r"}\n').message, /site\.sourceUrl: must be an absolute http\(s\) URL/);
});

test('outputLinks: README links reach the published root (the site branch as Pages serves it) when site.baseUrl is set', async () => {
  const { outputLinks } = await import('../../src/config/index.js');
  const archive = '/m';
  const digests = { dir: '/m/site/digests', imageMaxBytes: 1 };
  assert.deepEqual(outputLinks({ archive, siteDir: '/m/site', baseUrl: 'https://o.github.io/r/site', digests }), {
    base: 'https://o.github.io/r/',
    siteIndex: 'site/index.html',
    digests: 'site/digests/index.html',
    digestsFromSite: 'digests/index.html',
  });
  // No address: links relative to the archive root, right in a local copy.
  assert.equal(outputLinks({ archive, siteDir: '/m/site', baseUrl: null, digests }).base, '');
  // A website folder at the root of the published branch.
  assert.equal(outputLinks({ archive, siteDir: '/m', baseUrl: 'https://o.github.io/r', digests }).base, 'https://o.github.io/r/');
});
