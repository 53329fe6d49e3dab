/** A loopback news site for re-check tests: a feed, article pages that can be edited, deleted, restored or made to fail. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cli, rss, startFeedServer, tempDir, writeConfig, type FeedServer, type Route } from '../pipeline/harness.js';

export const T0 = Date.parse('2024-03-01T00:00:00Z');
export const H = 3600_000;
export const iso = (ms: number) => new Date(ms).toISOString();

const LEAD = '国会周二通过了一项新的预算法案，将为基础设施投入更多资金，包括道路、桥梁和铁路。';
const MORE = '反对者说，这项法案会增加财政赤字，并呼吁在下一个会期重新审议其中的主要条款。';

export interface Story {
  title: string;
  paragraphs: string[];
}

/** An article page as a news site serves it: navigation, the article, a footer. */
export function page(s: Story): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${s.title} - 测试新闻</title><meta property="og:title" content="${s.title}"></head>
<body><nav><a href="/">首页</a> <a href="/news">新闻</a></nav><article><h1>${s.title}</h1>${s.paragraphs.map((p) => `<p>${p}</p>`).join('')}</article><footer>版权所有</footer></body></html>`;
}

export function story(i: number): Story {
  return { title: `预算法案报道 ${i}`, paragraphs: [`第${i}篇：${LEAD}`, MORE, MORE.replace('反对者', '支持者'), LEAD.replace('周二', '上周')] };
}

export interface TestSite {
  server: FeedServer;
  dir: string;
  archive: string;
  prefix: string;
  link(i: number): string;
  set(i: number, route: Route): void;
  show(i: number, s: Story): void;
  run(at: number, args?: string[]): Promise<any>;
  recheck(at: number, args?: string[]): Promise<any>;
  revisions(): string[];
  status(i: number): any;
}

let n = 0;
/** `count` stories, all in the feed, pages live; `opts.fullText` 'always' stores the page's article. */
export async function startSite(server: FeedServer, count: number, opts: { fullText?: 'always' | 'never'; extra?: string } = {}): Promise<TestSite> {
  const prefix = `/s${++n}`;
  const dir = tempDir('nm-recheck-');
  const link = (i: number) => `${server.origin}${prefix}/a/${i}.html`;
  const items = Array.from({ length: count }, (_, i) => ({
    title: story(i).title,
    link: link(i),
    guid: `${prefix}-${i}`,
    pubDate: new Date(T0 - (count - i) * 60_000).toUTCString(),
    body: story(i).paragraphs.map((p) => `<p>${p}</p>`).join(''),
  }));
  server.routes.set(`${prefix}/feed.xml`, { body: rss('测试', items) });
  server.routes.set('/', { body: '<html><body><h1>首页</h1></body></html>', type: 'text/html; charset=utf-8' });
  server.routes.set('/news', { body: '<html><body><h1>新闻</h1></body></html>', type: 'text/html; charset=utf-8' });
  const show = (i: number, s: Story) => server.routes.set(`${prefix}/a/${i}.html`, { body: page(s), type: 'text/html; charset=utf-8' });
  for (let i = 0; i < count; i++) show(i, story(i));
  writeConfig(dir, [{ name: '测试', abbr: 'test', feed: `${server.origin}${prefix}/feed.xml`, fullText: opts.fullText ?? 'always' }], opts.extra ?? 'fetch: {timeoutSeconds: 1, connectTimeoutSeconds: 1, retries: 1}');
  const archive = path.join(dir, 'archive');
  const json = async (args: string[]) => {
    const r = await cli(args, dir, 120_000);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  return {
    server,
    dir,
    archive,
    prefix,
    link,
    set: (i, route) => server.routes.set(`${prefix}/a/${i}.html`, route),
    show,
    run: (at, args = []) => json(['run', '--json', '--no-progress', '--now', iso(at), ...args]),
    recheck: (at, args = []) => json(['recheck', '--json', '--now', iso(at), ...args]),
    revisions: () => {
      const root = path.join(archive, 'revisions');
      const out: string[] = [];
      if (!existsSync(root)) return out;
      for (const folder of readdirSync(root)) for (const id of readdirSync(path.join(root, folder))) for (const f of readdirSync(path.join(root, folder, id))) if (f !== 'status.json') out.push(`${folder}/${id}/${f}`);
      return out.sort();
    },
    status: (i) => {
      const file = path.join(archive, 'revisions/test', String(0xffffe - i), 'status.json');
      return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
    },
  };
}

export { startFeedServer };

/** `newsmirror verify` finds nothing wrong. */
export async function assertConsistent(dir: string): Promise<void> {
  const v = await cli(['verify', '--json'], dir);
  assert.deepEqual(JSON.parse(v.stdout).problems, []);
  assert.equal(v.code, 0);
}
