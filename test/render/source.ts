/** A small in-memory RenderSource of realistic Chinese articles, for render and browser tests. */
import { createHash } from 'node:crypto';
import type { RenderArticle, RenderSource } from '../../src/render/index.js';

const TOPICS = ['气候', '经济', '科技', '教育', '医疗', '交通', '文化', '体育'];

export interface TestSource {
  src: RenderSource;
  bodies: Map<string, string>;
  /** Add `count` articles to a site, newer than its others (new ids below its smallest), and mark them changed. */
  add(abbr: string, count: number): void;
  /** Change the title and body of one article (an edit at the source) and mark it changed. */
  edit(abbr: string, id: number, title: string): void;
}

export function makeSource(perSite = 60): TestSource {
  const sites = [
    { name: '美国之音', abbr: 'voa', feed: 'https://feeds.example/voa.xml' },
    { name: 'BBC', abbr: 'bbc', feed: 'https://feeds.example/bbc.xml' },
    { name: '法广', abbr: 'rfi', feed: 'https://feeds.example/rfi.xml' },
  ];
  const bodies = new Map<string, string>();
  // Newest first (ascending id), as the index lists them.
  const articles = new Map<string, RenderArticle[]>();
  const changed = new Map<string, { site: string; id: number; published: number }>();
  let signature: string | null = null;
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  const make = (site: (typeof sites)[number], i: number, id: number, published: number): RenderArticle => {
    const topic = TOPICS[i % TOPICS.length]!;
    const p = `articles/${site.abbr}/${id}.md`;
    const body = `<p>${site.name}第${i + 1}篇关于${topic}的报道。</p><p>${'记者从现场发回报道，当地民众十分关注此事。'.repeat(3)}</p>${i === 7 && site.abbr === 'bbc' ? '<p>独有的关键词：麒麟</p>' : ''}`;
    bodies.set(p, body);
    return { id, site: site.abbr, path: p, title: `${topic}新闻：${site.name}第${i + 1}篇 <b>&"标题"</b>`, link: `https://news.example/${site.abbr}/${i}`, published, contentHash: hash(body) };
  };
  let t = Date.UTC(2024, 10, 1);
  for (const site of sites) {
    const list: RenderArticle[] = [];
    for (let i = 0; i < perSite; i++) list.push(make(site, i, 0xfffff - i, t - i * 3600_000));
    t += 600_000;
    articles.set(site.abbr, list);
  }
  const all = () => [...articles.values()].flat();
  const src: RenderSource = {
    sites,
    articles: (abbr, limit, offset) => (articles.get(abbr) ?? []).slice(offset ?? 0, limit === undefined ? undefined : (offset ?? 0) + limit),
    count: (abbr) => (articles.get(abbr) ?? []).length,
    around: (abbr, id, k) => {
      const list = articles.get(abbr) ?? [];
      const i = list.findIndex((a) => a.id === id);
      return i < 0 ? [] : list.slice(Math.max(0, i - k), i + k + 1);
    },
    // The place in the newest-first list (this source's ids need not count down as the archive's do).
    rank: (abbr, id) => (articles.get(abbr) ?? []).findIndex((a) => a.id === id),
    between: (from, to) => all().filter((a) => a.published >= from && a.published < to),
    span: () => {
      const times = all().map((a) => a.published);
      return times.length ? { oldest: Math.min(...times), newest: Math.max(...times) } : null;
    },
    body: (p) => bodies.get(p) ?? '',
    changes: (sig) => (sig === signature ? [...changed.values()] : null),
    rendered: (sig) => {
      signature = sig;
      changed.clear();
    },
  };
  return {
    src,
    bodies,
    add(abbr, count) {
      const site = sites.find((x) => x.abbr === abbr)!;
      const list = articles.get(abbr)!;
      const newest = list[0]!;
      const minId = Math.min(...list.map((a) => a.id));
      const added: RenderArticle[] = [];
      for (let j = count; j >= 1; j--) {
        const a = make(site, list.length + count - j, minId - j, newest.published + j * 600_000);
        added.push(a);
        changed.set(`${abbr}/${a.id}`, { site: abbr, id: a.id, published: a.published });
      }
      list.unshift(...added);
    },
    edit(abbr, id, title) {
      const list = articles.get(abbr)!;
      const i = list.findIndex((a) => a.id === id);
      const a = list[i]!;
      bodies.set(a.path, `<p>${title}（更正）</p>`);
      list[i] = { ...a, title, contentHash: hash(title) };
      changed.set(`${abbr}/${id}`, { site: abbr, id, published: a.published });
    },
  };
}
