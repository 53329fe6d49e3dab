// Deterministic bench corpora: realistic Chinese news feeds and archives in the archive format.
// Same seed → same bytes (checked by test/bench/corpus.test.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

export const CORPUS_VERSION = '3';

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POOL = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞';
const CAPTIONS = ['资料照', '图片来源：路透社', '示威者在街头', '会议现场', '记者会上'];

function text(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += POOL[Math.floor(r() * POOL.length)];
  return s;
}

function paragraph(r) {
  const n = 60 + Math.floor(r() * 140);
  let s = '';
  while (s.length < n) s += text(r, 8 + Math.floor(r() * 20)) + (r() < 0.7 ? '，' : '。');
  return `<p>${s}</p>`;
}

/** One article body of about 3–8 KB (UTF-8), with images, captions and links. */
export function articleBody(r, i) {
  const target = 3000 + Math.floor(r() * 5000);
  let html = `<div><i>Item ${i}</i></div>`;
  let k = 0;
  while (Buffer.byteLength(html) < target) {
    if (k % 4 === 1) html += `<img src="https://gdb.voanews.com/${(i * 7919 + k).toString(16)}_w900.jpg" width="100%"><div><small style="color: #999;">${CAPTIONS[k % CAPTIONS.length]}：${text(r, 12)}</small></div>`;
    else if (k % 5 === 3) html += `<p><a href="https://www.voachinese.com/a/related-${i}-${k}.html">${text(r, 10)}</a></p>`;
    else html += paragraph(r);
    k++;
  }
  return html;
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const BASE = Date.UTC(2024, 0, 1);

/** One RSS item: its title and body drawn from `r`, its link, guid and date from `i` (`kind` is a path segment). */
function itemXml(abbr, i, r, kind, dateMs) {
  const title = text(r, 15 + Math.floor(r() * 26));
  const date = new Date(dateMs).toUTCString();
  const body = articleBody(r, i);
  const guid = kind === 'a' ? `${abbr}-${i}` : `${abbr}-${kind}-${i}`;
  return `<item><title>${esc(title)}</title><link>https://www.${abbr}.example/${kind}/${i}.html</link><guid isPermaLink="false">${guid}</guid><pubDate>${date}</pubDate><description>${esc(title)}</description><content:encoded><![CDATA[${body}]]></content:encoded></item>`;
}

function rssXml(abbr, items) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${abbr}</title><link>https://www.${abbr}.example/</link><description>bench</description>\n${items.join('\n')}\n</channel></rss>\n`;
}

/** An RSS 2.0 feed of `n` Chinese news items for site `abbr` (items `start`..`start+n-1`). */
export function feedXml(abbr, n, seed, start = 0) {
  const r = rng(seed);
  const items = [];
  for (let i = start; i < start + n; i++) items.push(itemXml(abbr, i, r, 'a', BASE + i * 600_000));
  return rssXml(abbr, items);
}

/**
 * The feed of site `abbr` as it reads at hour `hour`: its newest `n` items, `perHour` of them new each hour.
 * Every item has its own seed, so an item reads the same in every window it appears in, as on a real site
 * (unlike feedXml, whose items depend on where the feed starts). Dates follow the 300-item feeds'.
 */
export function hourlyFeedXml(abbr, n, perHour, hour) {
  const first = hour * perHour;
  const items = [];
  for (let i = first + n - 1; i >= first; i--) {
    const r = rng((SITES.indexOf(abbr) + 1) * 1_000_003 + i);
    items.push(itemXml(abbr, i, r, 'h', BASE + 30 * 86_400_000 + i * 900_000));
  }
  return rssXml(abbr, items);
}

export const SITES = ['reuters', 'nyt', 'voa', 'ft', 'bbc', 'rfi', 'dw', 'rfa', 'cdt'];

/** Write an archive of `total` articles over the 9 sites into `dir` (cached by CORPUS_VERSION). */
export async function makeArchive(dir, total) {
  const stamp = path.join(dir, '.bench-stamp');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === `${CORPUS_VERSION}:${total}`) return;
  const r = rng(total);
  // Realistic 3–8 KB bodies, 64 of them cycled: generating 100k distinct bodies would dominate the bench's
  // set-up time, and nothing measured depends on bodies being distinct (titles and links are).
  const bodies = Array.from({ length: 64 }, (_, i) => articleBody(r, i).split('\n').join(''));
  const per = Math.ceil(total / SITES.length);
  let written = 0;
  const jobs = [];
  for (const abbr of SITES) {
    mkdirSync(path.join(dir, 'articles', abbr), { recursive: true });
    for (let k = 0; k < per && written < total; k++, written++) {
      const id = 0xfffff - k;
      // Old articles: ids count down from 0xFFFFF, dates go back in time; the feeds' items are newer.
      const published = BASE - (k + 1) * 3_600_000;
      const title = text(r, 15 + Math.floor(r() * 26));
      const body = bodies[k % bodies.length];
      jobs.push([path.join(dir, 'articles', abbr, `${id}.md`), `<!--${published}-->\n[${title}](https://www.${abbr}.example/old/${k}.html)\n------\n\n${body}\n`]);
      if (jobs.length >= 256) await Promise.all(jobs.splice(0).map(([f, t]) => writeFile(f, t)));
    }
  }
  await Promise.all(jobs.map(([f, t]) => writeFile(f, t)));
  await mkdir(path.join(dir, 'lists'), { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), '# bench archive\n');
  writeFileSync(stamp, `${CORPUS_VERSION}:${total}`);
}
