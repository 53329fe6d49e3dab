/** The website built by the real CLI from the real archive sample, and the sample's articles as plain text. */
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeHTML } from 'entities';
import { parseArticleFile } from '../../src/archive/index.js';
import { ArchiveIndex } from '../../src/identity/index.js';
import { cli, tempDir, writeConfig } from '../pipeline/harness.js';

export const REAL_ARCHIVE = fileURLToPath(new URL('../fixtures/real-archive/', import.meta.url));

export const SAMPLE_SITES = [
  { name: 'BBC', abbr: 'bbc', feed: 'http://127.0.0.1:9/bbc.xml' },
  { name: '美国之音', abbr: 'voa', feed: 'http://127.0.0.1:9/voa.xml' },
  { name: '中国数字时代', abbr: 'cdt', feed: 'http://127.0.0.1:9/cdt.xml' },
  { name: '德国之声', abbr: 'dw', feed: 'http://127.0.0.1:9/dw.xml' },
];

export interface SampleDoc {
  url: string;
  title: string;
  /** The body's text (tags removed, entities decoded). */
  text: string;
}

export function plain(html: string): string {
  return decodeHTML(html.replace(/<[^>]*>/g, ' '));
}

/** Import and render the real sample with the CLI in a temp dir; the site folder and every article indexed. */
export async function buildSampleSite(): Promise<{ dir: string; archive: string; siteDir: string; docs: SampleDoc[] }> {
  const dir = tempDir('nm-search-');
  const archive = path.join(dir, 'archive');
  cpSync(REAL_ARCHIVE, archive, { recursive: true });
  writeConfig(dir, SAMPLE_SITES);
  const r = await cli(['render'], dir);
  if (r.code !== 0) throw new Error(`render failed: ${r.stderr}`);
  const index = ArchiveIndex.open(archive);
  const docs: SampleDoc[] = [];
  try {
    for (const s of SAMPLE_SITES) {
      for (const a of index.listing(s.abbr, 1_000_000)) {
        const file = parseArticleFile(readFileSync(path.join(archive, a.path), 'utf8'), a.path);
        docs.push({ url: `${s.abbr}/${a.id}.html`, title: a.title, text: plain(file.body) });
      }
    }
  } finally {
    index.close();
  }
  return { dir, archive, siteDir: path.join(archive, 'site'), docs };
}
