/** A small in-memory RenderSource of realistic Chinese articles, for render and browser tests. */
import { createHash } from 'node:crypto';
import type { RenderArticle, RenderSource } from '../../src/render/index.js';

const TOPICS = ['气候', '经济', '科技', '教育', '医疗', '交通', '文化', '体育'];

export function makeSource(perSite = 60): { src: RenderSource; bodies: Map<string, string> } {
  const sites = [
    { name: '美国之音', abbr: 'voa', feed: 'https://feeds.example/voa.xml' },
    { name: 'BBC', abbr: 'bbc', feed: 'https://feeds.example/bbc.xml' },
    { name: '法广', abbr: 'rfi', feed: 'https://feeds.example/rfi.xml' },
  ];
  const bodies = new Map<string, string>();
  const articles = new Map<string, RenderArticle[]>();
  let t = Date.UTC(2024, 10, 1);
  for (const site of sites) {
    const list: RenderArticle[] = [];
    for (let i = 0; i < perSite; i++) {
      const id = 0xfffff - i;
      const topic = TOPICS[i % TOPICS.length]!;
      const p = `articles/${site.abbr}/${id}.md`;
      const body = `<p>${site.name}第${i + 1}篇关于${topic}的报道。</p><p>${'记者从现场发回报道，当地民众十分关注此事。'.repeat(3)}</p>${i === 7 && site.abbr === 'bbc' ? '<p>独有的关键词：麒麟</p>' : ''}`;
      bodies.set(p, body);
      list.push({ id, site: site.abbr, path: p, title: `${topic}新闻：${site.name}第${i + 1}篇 <b>&"标题"</b>`, link: `https://news.example/${site.abbr}/${i}`, published: t - i * 3600_000, contentHash: createHash('sha256').update(body).digest('hex') });
    }
    t += 600_000;
    articles.set(site.abbr, list);
  }
  return {
    bodies,
    src: {
      sites,
      articles: (abbr, limit) => (articles.get(abbr) ?? []).slice(0, limit ?? undefined),
      count: (abbr) => (articles.get(abbr) ?? []).length,
      between: (from, to) => [...articles.values()].flat().filter((a) => a.published >= from && a.published < to),
      span: () => {
        const all = [...articles.values()].flat().map((a) => a.published);
        return all.length ? { oldest: Math.min(...all), newest: Math.max(...all) } : null;
      },
      body: (p) => bodies.get(p) ?? '',
    },
  };
}
