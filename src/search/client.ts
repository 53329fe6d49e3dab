/**
 * The search page's script (vanilla ES2017, no library, nothing from another host) and the same query in
 * Node, for tests and the bench. A query loads search/index.json, then for each term one bucket per segment,
 * intersects the id lists, and fetches the entries of the 20 newest results (more on request).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { foldPairs, foldText } from './fold.js';
import { intersect, makeFold, parseBucket, queryTerms, readVarint, runTerms, termBucket, textRuns } from './terms.js';

const UI = `(function () {
  var fold = makeFold(FOLD_PAIRS);
  var form = document.getElementById('search');
  var input = document.getElementById('q');
  var out = document.getElementById('results');
  var status = document.getElementById('status');
  var more = document.getElementById('more');
  var dec = new TextDecoder();
  var decode = function (b) { return dec.decode(b); };
  var index = null, buckets = {}, chunks = {}, current = 0, hits = [], shown = 0, timer = 0;
  function get(url, kind) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return kind === 'json' ? r.json() : r.arrayBuffer();
    });
  }
  function getIndex() {
    if (!index) index = get('search/index.json', 'json').catch(function (e) { index = null; throw e; });
    return index;
  }
  function bucket(url) {
    if (!buckets[url]) buckets[url] = get(url, 'bin').then(function (b) { return new Uint8Array(b); });
    return buckets[url];
  }
  function chunk(k) {
    if (!chunks[k]) chunks[k] = get('search/docs/' + k + '.json', 'json');
    return chunks[k];
  }
  function say(s) { status.textContent = s; }
  function run(q, token) {
    var terms = queryTerms(q, fold);
    out.textContent = '';
    more.hidden = true;
    if (!terms.length) { say(''); return Promise.resolve(); }
    say('搜索中… / Searching…');
    return getIndex().then(function (ix) {
      return Promise.all(terms.map(function (t) {
        return Promise.all(ix.segments.map(function (s) {
          return bucket('search/' + s.name + '/' + termBucket(t, s.bits).toString(16) + '.bin').then(function (bytes) {
            return parseBucket(bytes, decode, [t])[t] || [];
          });
        })).then(function (lists) { return [].concat.apply([], lists); });
      })).then(function (lists) {
        if (token !== current) return;
        var gone = {};
        ix.deleted.forEach(function (id) { gone[id] = 1; });
        hits = intersect(lists).filter(function (id) { return !gone[id]; }).reverse();
        shown = 0;
        return page(ix, token);
      });
    }).catch(function (e) { if (token === current) say('搜索出错 / Search failed: ' + e.message); });
  }
  function page(ix, token) {
    var ids = hits.slice(shown, shown + 20);
    var ks = [];
    ids.forEach(function (id) { var k = Math.floor(id / ix.chunk); if (ks.indexOf(k) < 0) ks.push(k); });
    return Promise.all(ks.map(chunk)).then(function (cs) {
      if (token !== current) return;
      ids.forEach(function (id) {
        var e = cs[ks.indexOf(Math.floor(id / ix.chunk))][id % ix.chunk];
        if (!e) return;
        var li = document.createElement('li');
        var d = document.createElement('span'); d.className = 'date'; d.textContent = e[1];
        var a = document.createElement('a'); a.href = e[3]; a.textContent = e[2];
        var s = document.createElement('span'); s.className = 'meta'; s.textContent = ' ' + e[0];
        li.appendChild(d); li.appendChild(a); li.appendChild(s); out.appendChild(li);
      });
      shown += ids.length;
      say(hits.length ? hits.length + ' 条结果 / results' : '没有结果 / No results');
      more.hidden = shown >= hits.length;
    });
  }
  function go(push) {
    var q = input.value.trim();
    var url = q ? '?q=' + encodeURIComponent(q) : location.pathname;
    if (push) history.replaceState(null, '', url);
    return run(q, ++current);
  }
  form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); go(true); });
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { go(true); }, 350); });
  more.addEventListener('click', function () { getIndex().then(function (ix) { return page(ix, current); }); });
  var initial = new URLSearchParams(location.search).get('q');
  if (initial) { input.value = initial; go(false); }
})();
`;

let script: string | null = null;

/** search.js: the shared functions, the folding table and the page's code. */
export function searchScript(): string {
  if (script !== null) return script;
  const fns = [makeFold, textRuns, runTerms, queryTerms, termBucket, readVarint, parseBucket, intersect].map((f) => f.toString()).join('\n');
  return (script = `// newsmirror search: whole-archive, term-sharded index (see search/index.json). No library, no other host.
'use strict';
var FOLD_PAIRS = ${JSON.stringify(foldPairs())};
${fns}
${UI}`);
}

export interface SearchHit {
  id: number;
  site: string;
  date: string;
  title: string;
  url: string;
}

/** The query as the browser runs it, over a built site on disk: every hit, newest first, and the bytes read. */
export function querySearchIndex(siteDir: string, q: string): { hits: SearchHit[]; terms: string[]; bytes: number } {
  const root = path.join(siteDir, 'search');
  let bytes = 0;
  const read = (rel: string) => {
    const b = readFileSync(path.join(root, rel));
    bytes += b.length;
    return b;
  };
  const ix = JSON.parse(read('index.json').toString('utf8')) as { chunk: number; segments: { name: string; bits: number }[]; deleted: number[] };
  const terms = queryTerms(q, foldText);
  const dec = new TextDecoder();
  const lists = terms.map((t) => ix.segments.flatMap((s) => parseBucket(read(`${s.name}/${termBucket(t, s.bits).toString(16)}.bin`), (b) => dec.decode(b), [t])[t] ?? []));
  const gone = new Set(ix.deleted);
  const ids = terms.length ? intersect(lists).filter((id) => !gone.has(id)).reverse() : [];
  const chunks = new Map<number, ([string, string, string, string] | 0)[]>();
  const hits: SearchHit[] = [];
  for (const id of ids) {
    const k = Math.floor(id / ix.chunk);
    if (!chunks.has(k)) chunks.set(k, JSON.parse(read(`docs/${k}.json`).toString('utf8')));
    const e = chunks.get(k)![id % ix.chunk];
    if (e) hits.push({ id, site: e[0], date: e[1], title: e[2], url: e[3] });
  }
  return { hits, terms, bytes };
}
