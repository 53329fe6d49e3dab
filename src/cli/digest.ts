/** `newsmirror digest`: write daily digests (EPUB and one HTML file) from the archive, without fetching. */
import path from 'node:path';
import { NewsmirrorError } from '../errors.js';
import { digestArchive } from '../pipeline/index.js';
import type { Config } from '../types.js';

export interface DigestCommandOptions {
  date?: string[];
  all?: boolean;
  out?: string;
  json?: boolean;
}

export async function digestCommand(cfg: Config, o: DigestCommandOptions, cwd: string, out: (s: string) => void): Promise<void> {
  if (o.all && o.date?.length) throw new NewsmirrorError('usage', '--all and --date cannot be used together');
  const r = await digestArchive(cfg, { dates: o.all ? 'all' : o.date?.length ? o.date : undefined, outDir: o.out ? path.resolve(cwd, o.out) : undefined });
  if (o.json) {
    out(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  for (const d of r.digests) out(`${d.date}: ${d.articles} articles, EPUB ${d.epubBytes} bytes, HTML ${d.htmlBytes} bytes\n`);
  if (r.digests.length === 0) out(`no articles on ${o.all ? 'any day' : (o.date?.length ? o.date : ['yesterday', 'today']).join(', ')}: no digest written\n`);
  out(`digests in ${r.outDir}: ${r.written} files changed\n`);
}
