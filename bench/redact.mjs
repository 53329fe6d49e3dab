// Redaction's cost: node bench/redact.mjs (after `npm run build`). Prints JSON figures:
// - match: hashing every window of real-size article bodies, per 1,000 characters, for 1 and 3 rule lengths;
// - run: a run that archives 9 × 100 new articles (the bench corpus's feeds) with no rules and with 3 rules,
//   side by side in fresh archives, in turns (A B A B …), median of 5 each.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { SITES, feedXml, rng, articleBody } from './corpus.mjs';
import { runMirror } from '../dist/pipeline/index.js';
import { loadConfig } from '../dist/config/index.js';
import { fold, Matcher } from '../dist/redact/match.js';

const SALT = '0123456789abcdef0123456789abcdef';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function matcherFor(texts) {
  const probe = new Matcher(SALT, []);
  return new Matcher(SALT, texts.map((t) => ({ hash: probe.hashOf(t), length: [...fold(t)].length, hint: probe.hintOf(t), replace: '[已隐去]' })));
}

const r = rng(7);
const bodies = Array.from({ length: 200 }, (_, i) => articleBody(r, i));
const chars = bodies.reduce((n, b) => n + b.length, 0);
const match = {};
for (const [label, texts] of [['1 length', ['张三丰']], ['3 lengths', ['张三丰', '李四', '王五六七']]]) {
  const m = matcherFor(texts);
  for (const b of bodies) m.html(b); // warm the caches (fold, buckets): a run pays this once per process
  const times = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    for (const b of bodies) m.html(b);
    times.push(performance.now() - t0);
  }
  match[label] = { msPer1000Chars: +(median(times) / (chars / 1000)).toFixed(3), msPerArticle: +(median(times) / bodies.length).toFixed(2) };
}

const feeds = SITES.map((abbr, i) => Buffer.from(feedXml(abbr, 100, 100 + i)));
const server = createServer((q, res) => {
  const i = Number(/\/(\d+)\.xml/.exec(q.url ?? '')?.[1] ?? -1);
  if (!feeds[i]) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(feeds[i]);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

async function oneRun(withRules) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nm-bench-redact-'));
  const sites = SITES.map((abbr, i) => `  - {name: ${abbr}, abbr: ${abbr}, feed: "${origin}/${i}.xml", fullText: never}`).join('\n');
  writeFileSync(path.join(dir, 'newsmirror.yaml'), `archive: archive\nallowPrivateNetworks: true\nsites:\n${sites}\n`);
  if (withRules) {
    const probe = new Matcher(SALT, []);
    const rules = ['张三丰', '李四', '王五六七'].map((t, k) => `  - {target: voa/${1048575 - k}, action: text, match: ${probe.hashOf(t)}, length: ${[...fold(t)].length}, hint: ${probe.hintOf(t)}, replace: "[已隐去]", reason: bench, date: "2026-12-01T00:00:00.000Z"}`);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.join(dir, 'archive'), { recursive: true });
    writeFileSync(path.join(dir, 'archive', 'redactions.yaml'), `salt: ${SALT}\nrules:\n${rules.join('\n')}\n`);
  }
  const config = loadConfig({ configPath: path.join(dir, 'newsmirror.yaml'), cwd: dir });
  const t0 = performance.now();
  const report = await runMirror(config, { render: false });
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return { ms, new: report.totals.new };
}

const runs = { none: [], rules: [] };
let stored = 0;
for (let rep = 0; rep < 5; rep++) {
  const a = await oneRun(false);
  const b = await oneRun(true);
  runs.none.push(a.ms);
  runs.rules.push(b.ms);
  stored = b.new;
}
server.close();
const none = median(runs.none);
const rules = median(runs.rules);
process.stdout.write(
  JSON.stringify({ match, run: { articles: stored, msNoRules: Math.round(none), msThreeRules: Math.round(rules), ratio: +(rules / none).toFixed(2), ratios: runs.rules.map((x, i) => +(x / runs.none[i]).toFixed(2)) } }, null, 2) + '\n',
);
