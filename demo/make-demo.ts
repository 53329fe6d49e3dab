/**
 * Regenerates the demo's bundled feeds and pages (run: node --import tsx demo/make-demo.ts).
 * Formats and charsets are the real ones Chinese news feeds use: RSS 2.0 with content:encoded (UTF-8), RSS in
 * GBK, Atom in Big5, JSON Feed, a summary-only feed whose article pages are served alongside, a feed whose
 * images are stored locally. Three real feeds are copied byte for byte from the shared fixtures.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import iconv from 'iconv-lite';

const DEMO = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(DEMO, '..', '..', 'shared', 'fixtures', 'feeds', 'rss-parser');

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Story {
  title: string;
  slug: string;
  date: string;
  paragraphs: string[];
  caption?: string;
}

const VOA: Story[] = [
  { title: '联合国气候大会开幕 各国承诺加速减排', slug: 'un-climate-summit-opens', date: 'Mon, 18 Nov 2024 09:12:00 GMT', caption: '资料照：大会会场外的示威者。', paragraphs: [
    '联合国气候变化大会星期一在阿塞拜疆首都巴库开幕，近两百个国家的代表将在未来两周内讨论如何为发展中国家的气候行动筹集资金。',
    '大会主席在开幕致辞中说，过去一年全球平均气温再创新高，各国必须在本次会议上拿出更具体的减排路线图，否则《巴黎协定》设定的升温控制目标将难以实现。',
    '多个小岛屿国家的代表表示，海平面上升已经威胁到他们的生存，他们希望发达国家兑现每年提供一千亿美元气候资金的承诺，并设立新的损失与损害基金。',
    '分析人士指出，主要排放国之间的分歧依然明显，能否在资金问题上达成共识，将决定本届大会的成败。'] },
  { title: '美国联储维持利率不变 暗示明年可能降息', slug: 'fed-holds-rates', date: 'Wed, 20 Nov 2024 19:05:00 GMT', paragraphs: [
    '美国联邦储备委员会星期三宣布，将联邦基金利率目标区间维持在现有水平，这是联储连续第三次会议按兵不动。',
    '联储主席在记者会上说，通货膨胀率已经明显回落，但仍高于百分之二的长期目标，联储需要看到更多数据才能确定降息的时机。',
    '市场普遍预期联储明年上半年开始降息。消息公布后，美国股市三大指数小幅上涨，十年期国债收益率下跌。',
    '经济学家表示，劳动力市场依然强劲，消费支出保持韧性，美国经济实现“软着陆”的可能性正在上升。'] },
  { title: '香港法院就一宗集会案作出裁决', slug: 'hong-kong-court-ruling', date: 'Thu, 21 Nov 2024 03:30:00 GMT', caption: '资料照：香港高等法院外景。', paragraphs: [
    '香港一家法院星期四就一宗涉及未经批准集结的案件作出裁决，多名被告被判罪名成立，刑期将于下月宣布。',
    '辩方律师在庭外对记者表示，将与当事人商讨是否提出上诉。人权组织发表声明，批评有关检控限制了和平集会的权利。',
    '香港特区政府发言人则表示，法院依法独立审理案件，任何人不应对司法程序施加压力。',
    '这宗案件是近年来香港多宗类似案件之一，引起国际社会的关注。'] },
  { title: '台湾举行年度防灾演习 模拟强震与海啸', slug: 'taiwan-disaster-drill', date: 'Fri, 22 Nov 2024 06:45:00 GMT', paragraphs: [
    '台湾星期五在多个县市同时举行年度防灾演习，模拟芮氏规模七级以上的强烈地震以及随后可能发生的海啸。',
    '演习内容包括学校师生疏散、医院紧急收治伤员、交通管制以及通讯中断情况下的应急广播，参与人数超过十万人。',
    '主管机关表示，近年全球极端天气和地震频发，定期演习可以检验各部门的协调能力，也能提高民众的防灾意识。',
    '不少参加演习的市民说，通过实际操作，他们对家中应准备的紧急物资和避难路线有了更清楚的认识。'] },
  { title: '欧洲议会通过人工智能监管细则', slug: 'eu-ai-rules', date: 'Sat, 23 Nov 2024 11:20:00 GMT', paragraphs: [
    '欧洲议会星期六以多数票通过人工智能法案的实施细则，对被认定为“高风险”的人工智能系统提出透明度和人工监督等要求。',
    '根据新规，用于招聘、信贷审批和执法的人工智能系统必须接受独立评估，开发者需要公开训练数据的来源摘要。',
    '科技行业团体表示支持建立明确规则，但担心合规成本过高会削弱欧洲企业的竞争力。消费者组织则认为新规仍有漏洞。',
    '细则将在两年内分阶段生效，各成员国需要设立专门的监管机构负责执行。'] },
  { title: '研究：全球海洋热浪频率三十年来翻倍', slug: 'marine-heatwaves', date: 'Sun, 24 Nov 2024 02:00:00 GMT', caption: '资料照：受白化影响的珊瑚礁。', paragraphs: [
    '一项发表在国际学术期刊上的研究显示，过去三十年间，全球海洋热浪发生的频率增加了一倍，持续时间也明显延长。',
    '研究人员分析了卫星观测和浮标数据后发现，热带和北太平洋海域受影响最严重，大面积珊瑚白化和渔业资源减少与此密切相关。',
    '论文作者表示，如果温室气体排放继续维持在目前水平，到本世纪末，部分海域可能全年处于热浪状态。',
    '专家呼吁各国加强海洋生态监测，并把海洋保护纳入气候政策的核心。'] },
];

const BBC: Story[] = [
  { title: '英国大学学费争议再起 学生团体发起请愿', slug: 'uk-tuition', date: 'Tue, 19 Nov 2024 08:00:00 GMT', paragraphs: [
    '英国政府考虑调整大学学费上限的消息传出后，多个学生团体发起网上请愿，要求政府增加对高等教育的直接拨款，而不是把成本转嫁给学生。',
    '大学协会表示，过去十年学费实际价值因通胀而下降，不少大学面临财政赤字，部分院校已经开始裁员和削减课程。',
    '教育部发言人说，政府将在权衡学生负担和大学财务可持续性之后作出决定。'] },
  { title: '研究显示城市绿地有助减轻热浪影响', slug: 'urban-green', date: 'Wed, 20 Nov 2024 10:30:00 GMT', paragraphs: [
    '一项覆盖欧洲和亚洲数十座城市的研究发现，在热浪期间，绿地覆盖率较高的街区气温平均低两到三摄氏度。',
    '研究人员建议城市规划者增加行道树和屋顶绿化，并优先改善低收入社区的绿地条件，因为这些社区往往受高温影响最大。',
    '报告还指出，水体和透水铺装同样可以帮助城市降温。'] },
  { title: '全球芯片供应链加速重组 东南亚成新热点', slug: 'chip-supply', date: 'Fri, 22 Nov 2024 12:15:00 GMT', paragraphs: [
    '多家国际半导体企业近期宣布在马来西亚、越南和新加坡扩建封装测试工厂，分析人士认为，全球芯片供应链正在加速重组。',
    '业内人士表示，地缘政治紧张和疫情期间的供应中断，促使企业把生产分散到更多国家和地区，以降低风险。',
    '不过，东南亚国家在高端人才和基础设施方面仍面临挑战，短期内难以取代现有的产业中心。'] },
];

const RFI: Story[] = [
  { title: '法國總理提出預算案 國會辯論激烈', slug: 'france-budget', date: '2024-11-19T15:00:00+01:00', paragraphs: [
    '法國總理星期二向國會提交明年預算草案，計劃透過削減開支和對大型企業臨時加稅來降低財政赤字。',
    '反對派議員批評預算案對公共服務的削減過大，執政聯盟內部也有人對加稅措施表示疑慮，預算能否順利通過仍是未知數。',
    '經濟學家指出，法國的公共債務佔國內生產總值比例持續上升，歐盟已要求法國提出可信的減赤計劃。'] },
  { title: '颱風逼近菲律賓 當局疏散沿海居民', slug: 'typhoon-philippines', date: '2024-11-21T04:20:00+08:00', paragraphs: [
    '一個強烈颱風正向菲律賓北部逼近，當局已下令疏散沿海和低窪地區的數萬名居民，學校和政府機構停課停班。',
    '氣象部門預測，颱風將帶來狂風暴雨，部分地區可能出現山泥傾瀉和嚴重水浸，民眾應避免外出。',
    '這是菲律賓一個月內遭受的第四個颱風，連續的災害已經對農業和基礎設施造成嚴重破壞。'] },
  { title: '巴黎舉辦國際書展 華文出版社參展', slug: 'paris-book-fair', date: '2024-11-23T10:00:00+01:00', paragraphs: [
    '一年一度的巴黎國際書展本週開幕，來自數十個國家和地區的出版社參展，其中包括多家來自台灣和香港的華文出版社。',
    '參展的出版人表示，近年來歐洲讀者對華文文學翻譯作品的興趣明顯增加，尤其是小說和非虛構寫作。',
    '書展期間還舉辦了多場作家對談和翻譯工作坊。'] },
];

const CDT: Story[] = [
  { title: '【网络文摘】一位乡村教师的十年', slug: 'village-teacher', date: 'Mon, 18 Nov 2024 14:00:00 +0800', paragraphs: [
    '十年前，她从师范学校毕业，回到家乡的山村小学任教。那时学校只有三间教室，冬天没有暖气，学生要走一个多小时的山路来上学。',
    '她在文章中回忆，最难的不是条件艰苦，而是看着一批又一批学生因为家庭原因辍学。她曾经挨家挨户地劝说家长，让孩子至少读完初中。',
    '如今，村里修通了公路，学校也盖起了新楼，但生源越来越少，许多年轻家庭搬到了县城。她说，学校也许几年后就会被合并。',
    '文章最后写道：“我不知道这所学校还能存在多久，但我希望从这里走出去的孩子，记得曾经有人认真地教过他们。”',
    '这篇文章在社交媒体上被大量转发，随后被删除。'] },
  { title: '【404文库】城市更新中的老街坊', slug: 'old-neighbours', date: 'Wed, 20 Nov 2024 09:30:00 +0800', paragraphs: [
    '作者记录了一条即将拆迁的老街上几户人家的生活。理发店的老板已经在这里剪了三十年头发，常客大多是附近的退休工人。',
    '拆迁补偿方案公布后，街坊们意见不一：有人希望尽快搬进新房，有人担心搬到郊区后看病和买菜都不方便。',
    '作者写道，城市在变得更整洁的同时，也在失去一些难以用金钱衡量的东西，比如邻里之间的熟悉和信任。',
    '文章发布后不久即无法访问。'] },
  { title: '【观察】就业季里的毕业生', slug: 'graduates', date: 'Fri, 22 Nov 2024 20:10:00 +0800', paragraphs: [
    '又到秋季招聘季，多名应届毕业生向记者讲述了求职经历。一名学习新闻的学生说，她投了八十多份简历，只收到三次面试邀请。',
    '一些学生选择继续读研或者报考公务员，希望以此躲过就业压力最大的几年；也有人选择回到家乡，或者尝试自由职业。',
    '受访的人力资源从业者表示，企业招聘更加谨慎，更看重实习经历和实际技能。',
    '专家认为，扩大服务业就业和支持中小企业，是缓解青年就业压力的关键。'] },
  { title: '【网络文摘】父亲的病房笔记', slug: 'hospital-notes', date: 'Sat, 23 Nov 2024 08:00:00 +0800', paragraphs: [
    '作者在父亲住院的两个月里，每天在手机上记下病房里发生的事：同病房的病人、值夜班的护士、排长队的缴费窗口。',
    '她写到，最让她感动的是一位年轻护士，在凌晨三点仍然耐心地为每位病人调整输液，并轻声安慰焦虑的家属。',
    '她也写到了医疗费用带来的压力，以及在异地就医报销时遇到的种种手续。',
    '这组笔记引起了许多有类似经历的读者的共鸣。'] },
];

const DW: Story[] = [
  { title: '德国之声：柏林圣诞市场开幕', slug: 'berlin-christmas-market', date: 'Mon, 25 Nov 2024 16:00:00 +0100', caption: '柏林一处圣诞市场的夜景。', paragraphs: [
    '柏林各地的圣诞市场本周陆续开幕，吸引了大批本地居民和外国游客。热红酒、烤香肠和手工艺品摊位前排起了长队。',
    '由于能源价格回落，今年大部分市场恢复了往年的灯光装饰。警方表示，将在人流密集的市场加强安保措施。',
    '一些摊主说，通胀让顾客变得更加精打细算，但节日气氛依然浓厚。'] },
  { title: '德国之声：德国铁路推出新时刻表', slug: 'db-timetable', date: 'Tue, 26 Nov 2024 09:00:00 +0100', caption: '一列城际快车驶入车站。', paragraphs: [
    '德国铁路公司宣布，将于下月启用新的列车时刻表，增加柏林、汉堡和慕尼黑之间的城际快车班次。',
    '公司表示，新时刻表将缩短部分线路的行车时间，但乘客组织批评列车准点率仍然偏低，呼吁加快线路维修。',
    '交通部长表示，政府将在未来几年投入数百亿欧元改善铁路基础设施。'] },
];

function story(s: Story, img: string | null): string {
  const image = img ? `<img src="${img}" alt="${esc(s.caption ?? '')}" width="100%"><div><small style="color: #999;">${esc(s.caption ?? '')}</small></div>` : '';
  return `<div><i>${s.date}</i></div>${image}\n${s.paragraphs.map((p) => `<p>${p}</p>`).join('\n')}`;
}

function rssDoc(title: string, link: string, items: string[], encoding = 'utf-8'): string {
  return `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${esc(title)}</title>
<link>${link}</link>
<description>${esc(title)}</description>
<language>zh-cn</language>
${items.join('\n')}
</channel>
</rss>
`;
}

function rssItem(s: Story, base: string, body: string, descr?: string): string {
  const link = `${base}${s.slug}.html`;
  return `<item>
<title>${esc(s.title)}</title>
<link>${link}</link>
<guid isPermaLink="true">${link}</guid>
<pubDate>${s.date}</pubDate>
<description>${esc(descr ?? s.paragraphs[0]!)}</description>
${body ? `<content:encoded><![CDATA[${body}]]></content:encoded>` : ''}
</item>`;
}

function write(rel: string, data: string | Buffer) {
  const file = path.join(DEMO, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, data);
}

// 美国之音: RSS 2.0, UTF-8, full bodies with proxied-at-archive-time images (the original's main source).
const voaItems = VOA.map((s, i) => {
  const item = rssItem(s, 'https://www.voachinese.com/a/', story(s, s.caption ? `https://gdb.voanews.com/demo/${s.slug}_w900.jpg` : null));
  return i === 2 ? item.replace('</content:encoded>', '').replace(']]>', '<script>alert("xss")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">链接</a>]]></content:encoded>') : item;
});
write('feeds/voa.xml', rssDoc('美国之音中文网', 'https://www.voachinese.com/', voaItems));

// BBC: RSS 2.0 in GBK, declared in the XML prolog (the header says nothing).
write('feeds/bbc.xml', iconv.encode(rssDoc('BBC 中文网', 'https://www.bbc.com/zhongwen/simp', BBC.map((s) => rssItem(s, 'https://www.bbc.com/zhongwen/simp/', story(s, null))), 'GBK'), 'gbk'));

// 法广: Atom 1.0 in Big5, traditional characters.
const rfi = `<?xml version="1.0" encoding="big5"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.rfi.fr/tw/">
<title>法國國際廣播電台</title>
<link rel="alternate" href="https://www.rfi.fr/tw/"/>
<id>https://www.rfi.fr/tw/</id>
<updated>2024-11-23T10:00:00+01:00</updated>
${RFI.map((s) => `<entry>
<title>${esc(s.title)}</title>
<link rel="alternate" href="${s.slug}"/>
<id>urn:rfi:${s.slug}</id>
<published>${s.date}</published>
<updated>${s.date}</updated>
<author><name>法廣</name></author>
<content type="html">${esc(story(s, null))}</content>
</entry>`).join('\n')}
</feed>
`;
write('feeds/rfi.xml', iconv.encode(rfi, 'big5'));

// 自由亚洲电台 as a JSON Feed 1.1.
write('feeds/rfa.json', JSON.stringify({
  version: 'https://jsonfeed.org/version/1.1',
  title: '自由亚洲电台',
  home_page_url: 'https://www.rfa.org/mandarin/',
  items: BBC.slice(0, 2).map((s) => ({
    id: `rfa-${s.slug}`,
    url: `https://www.rfa.org/mandarin/${s.slug}.html`,
    title: `${s.title}（自由亚洲）`,
    content_html: story(s, null),
    date_published: new Date(Date.parse(s.date) + 3600_000).toISOString(),
    authors: [{ name: '自由亚洲电台' }],
  })),
}, null, 2) + '\n');

// Three real feeds, byte for byte: RSS 1.0 (RDF), RSS 2.0 (Guardian), Atom (heise).
for (const f of ['rss-1.rss', 'guardian.rss', 'heise.atom']) copyFileSync(path.join(SHARED, f), path.join(DEMO, 'feeds', f));

write('feeds/sites.json', JSON.stringify([
  { name: '美国之音', abbr: 'voa', file: 'voa.xml', contentType: 'application/rss+xml; charset=utf-8' },
  { name: 'BBC', abbr: 'bbc', file: 'bbc.xml', contentType: 'application/rss+xml' },
  { name: '法广', abbr: 'rfi', file: 'rfi.xml', contentType: 'application/atom+xml' },
  { name: '自由亚洲电台', abbr: 'rfa', file: 'rfa.json', contentType: 'application/feed+json' },
  { name: 'Science', abbr: 'science', file: 'rss-1.rss', contentType: 'application/rdf+xml', fullText: 'never' },
  { name: 'Guardian', abbr: 'guardian', file: 'guardian.rss', contentType: 'application/rss+xml; charset=utf-8', fullText: 'never' },
  { name: 'heise', abbr: 'heise', file: 'heise.atom', contentType: 'application/atom+xml', fullText: 'never' },
], null, 2) + '\n');

// 中国数字时代: a summary-only feed; the whole articles are on pages served beside it (one in GBK).
const page = (s: Story, charset: string) => `<!doctype html>
<html lang="zh"><head><meta charset="${charset}"><title>${esc(s.title)} | 中国数字时代</title></head>
<body>
<nav class="site-nav"><a href="/">首页</a> <a href="/about">关于我们</a> <a href="/donate">支持我们</a></nav>
<aside class="sidebar"><h3>热门文章</h3><ul><li>侧栏链接一</li><li>侧栏链接二</li></ul><script>trackVisitor()</script></aside>
<main><article>
<h1 class="post-title">${esc(s.title)}</h1>
<div class="post-content">
${s.paragraphs.map((p) => `<p>${p}</p>`).join('\n')}
<p><img src="/images/cdt-figure.png" alt="插图"></p>
</div>
</article></main>
<footer class="site-footer">版权所有 中国数字时代 · 页脚信息 · <a href="/contact">联系我们</a></footer>
</body></html>
`;
CDT.forEach((s, i) => {
  const gbk = i === 1;
  const html = page(s, gbk ? 'gbk' : 'utf-8');
  write(`pages/${s.slug}.html`, gbk ? iconv.encode(html, 'gbk') : html);
});
write('pages/cdt.xml', rssDoc('中国数字时代', 'https://chinadigitaltimes.net/chinese/', CDT.map((s) => rssItem(s, '{{origin}}/pages/', '', `${s.paragraphs[0]!.slice(0, 40)}…… 阅读全文`))));

// 德国之声 with images stored locally: tiny real PNGs served on loopback.
function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows.set([(rgb[0] + x) & 255, (rgb[1] + y) & 255, rgb[2]], y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
write('pages/images/market.png', png(64, 40, [200, 40, 40]));
write('pages/images/train.png', png(64, 40, [40, 120, 200]));
write('pages/images/cdt-figure.png', png(48, 32, [60, 160, 90]));
write('pages/dw-images.xml', rssDoc('德国之声中文网', 'https://www.dw.com/zh/', DW.map((s, i) => rssItem(s, 'https://www.dw.com/zh/', story(s, `{{origin}}/images/${i === 0 ? 'market' : 'train'}.png`)))));
console.log('demo data written to', DEMO);
