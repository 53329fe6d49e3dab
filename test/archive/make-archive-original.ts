/**
 * Builds test/fixtures/archive-original/: an archive exactly as the original hourly script wrote it
 * (its renderMD and generateList logic, re-expressed here), with both file-name styles and both folder
 * styles, the seed article byte for byte, and the original's duplicate bug (one story under two ids).
 * Run: node --import tsx test/archive/make-archive-original.ts (supersedes test/fixtures/make-archive-original.ts)
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
const OUT = path.join(HERE, 'archive-original');
rmSync(OUT, { recursive: true, force: true });

const strip = (s: string) => s.replace(/(^\s*|\s*$)/g, '');
// The original's renderMD.
const renderMD = (a: { pubDate: number; title: string; link: string; content: string }) =>
  `<!--${a.pubDate}-->\n[${strip(a.title)}](${new URL(a.link).href})\n------\n\n${a.content.split('\n').map((l) => strip(l)).join('')}\n`;

function article(folder: string, file: string, a: { pubDate: number; title: string; link: string; content: string }) {
  mkdirSync(path.join(OUT, 'articles', folder), { recursive: true });
  writeFileSync(path.join(OUT, 'articles', folder, file), renderMD(a));
}

mkdirSync(path.join(OUT, 'articles', 'voa'), { recursive: true });
copyFileSync(path.join(HERE, 'seed', '000_27822f79dc96baa0.txt'), path.join(OUT, 'articles', 'voa', '1048575.md'));
const p = (s: string) => `<p>${s}</p>\n`;
article('voa', '1048574.md', { pubDate: 1662600000000, title: '美国宣布对俄罗斯实施新一轮制裁', link: 'https://www.voachinese.com/a/us-sanctions-russia-20220908/6735001.html', content: p('美国财政部星期四宣布对俄罗斯实施新一轮制裁。') + p('制裁对象包括多家金融机构和个人。') });
article('voa', '1048573.md', { pubDate: 1662686400000, title: '台湾举行年度汉光军演', link: 'https://www.voachinese.com/a/taiwan-han-kuang-20220909/6736002.html', content: p('台湾星期五举行年度汉光军事演习。') });
// The original's bug: the same story re-published with a newer date, stored again under a new id.
article('voa', '1048572.md', { pubDate: 1662690000000, title: '台湾举行年度汉光军演', link: 'https://www.voachinese.com/a/taiwan-han-kuang-20220909/6736002.html', content: p('台湾星期五举行年度汉光军事演习。') + p('（更新）') });
article('voa', '1048571.md', { pubDate: 1662772800000, title: '香港书展开幕 部分书籍“消失”', link: 'https://www.voachinese.com/a/hk-book-fair-20220910/6737003.html', content: p('香港书展星期六开幕。') });
// Stored at 18:30 UTC: its list date is the next day in GMT+8 (9-11, not 9-10). The feed's title had white
// space around it and the body came on several lines: the original trimmed both.
article('voa', '1048570.md', { pubDate: 1662834600000, title: '  成都封控延长 居民排队核酸检测\n', link: 'https://www.voachinese.com/a/chengdu-lockdown-extended-20220910/6737560.html', content: '<p>\n  四川成都市政府星期六宣布，全市封控措施延长至9月11日。\n</p>\n' + p('大批居民在小区内排队接受核酸检测。') });
// A site whose folder is its display name, files named <id>_<title>.md.
article('BBC', '1048575_英国女王伊丽莎白二世去世.md', { pubDate: 1662660000000, title: '英国女王伊丽莎白二世去世', link: 'https://www.bbc.com/zhongwen/simp/world-62843261', content: p('英国王室宣布，女王伊丽莎白二世在苏格兰巴尔莫勒尔城堡去世。') });
article('BBC', '1048574_查尔斯三世正式成为英国国王.md', { pubDate: 1662800000000, title: '查尔斯三世正式成为英国国王', link: 'https://www.bbc.com/zhongwen/simp/world-62850001', content: p('查尔斯三世在登基会议上被正式宣布为英国国王。') });

// The original's generateList (files in readdirSync order, first 300; M-D in GMT+8; url.resolve paths).
function generateList(site: string, folder: string) {
  const dir = path.join(OUT, 'articles', folder);
  const items = readdirSync(dir).sort().slice(0, 300).map((item) => {
    const content = readFileSync(path.join(dir, item), 'utf8');
    const ts = /<!--(\d+)-/.exec(content);
    const title = /\[([\s\S]*?)\]\(/.exec(content)![1]!;
    let date = '';
    if (ts) {
      const d = new Date(+ts[1]! + 8 * 3600 * 1000);
      date = `${d.getUTCMonth() + 1}-${d.getUTCDate()} `;
    }
    return `${date}[${strip(title)}](/articles/${folder}/${item.replace(/ /g, '%20')})\n`;
  });
  mkdirSync(path.join(OUT, 'lists'), { recursive: true });
  writeFileSync(path.join(OUT, 'lists', `${site}.md`), `${site}\n------\n\n${items.join('\n')}\n`);
}
generateList('美国之音', 'voa');
generateList('BBC', 'BBC');
writeFileSync(path.join(OUT, 'README.md'), '# 新闻镜像\n\n[美国之音](lists/美国之音.md)\n\n[BBC](lists/BBC.md)\n\n------\n\n本仓库定时镜像各新闻网站的 RSS。\n');
console.log('wrote', OUT);
