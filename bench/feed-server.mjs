// Loopback feed servers for the bench, in their own process: the feeds' bytes and the HTTP servers are the
// outside world, not newsmirror, and must not count in the peak RSS the bench reports for a run.
// node bench/feed-server.mjs '{"files":[...],"copies":1,"delayMs":0}' → prints {"urls":[...]} and serves
// until stdin closes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const { files, copies = 1, delayMs = 0 } = JSON.parse(process.argv[2]);
const bodies = files.flatMap((f) => Array.from({ length: copies }, () => readFileSync(f)));
const urls = [];
for (const buf of bodies) {
  // Each feed on its own port: another "host" for the fetcher's per-host limits.
  const s = createServer((_q, res) => {
    const send = () => res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'content-length': buf.length }).end(buf);
    if (delayMs) setTimeout(send, delayMs);
    else send();
  });
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  urls.push(`http://127.0.0.1:${s.address().port}/feed.xml`);
}
process.stdout.write(JSON.stringify({ urls }) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
