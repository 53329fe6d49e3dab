/**
 * Images stage (`images: local`): store each image of an article once, beside the archive, so it loads even
 * where the image proxy itself is blocked. Files are named by content hash (`assets/<abbr>/<hash>.<ext>`), so
 * the same image from two URLs is one file, and the article refers to it by a path relative to the article
 * file — that works on the Git host's Markdown view and on the website, which mirrors the same tree.
 * An image that cannot be stored keeps its proxied URL. Runs after the clean stage: only URLs that survived
 * sanitizing are fetched, and only as untrusted requests.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Element } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';
import { writeFileAtomic } from '../archive/index.js';
import { proxyImageUrl } from '../clean/index.js';
import { errorMessage, NewsmirrorError } from '../errors.js';
import type { Fetcher } from '../types.js';

/** Remembers which URL became which file, so re-runs download nothing. */
export interface ImageStore {
  lookup(url: string): { path: string; bytes: number } | null;
  record(url: string, relPath: string, bytes: number): void;
}

/** An ImageStore in the archive's index database (table images). */
export function createSqliteImageStore(db: Database.Database): ImageStore {
  db.exec('CREATE TABLE IF NOT EXISTS images (url TEXT PRIMARY KEY, path TEXT NOT NULL, bytes INTEGER NOT NULL)');
  const get = db.prepare('SELECT path, bytes FROM images WHERE url = ?');
  const put = db.prepare('INSERT INTO images (url, path, bytes) VALUES (?, ?, ?) ON CONFLICT(url) DO UPDATE SET path = excluded.path, bytes = excluded.bytes');
  return {
    lookup: (url) => (get.get(url) as { path: string; bytes: number } | undefined) ?? null,
    record: (url, relPath, bytes) => void put.run(url, relPath, bytes),
  };
}

/** The image type of `bytes` by its magic number; SVG is refused (it can carry script). */
export function imageType(bytes: Buffer): 'jpg' | 'png' | 'gif' | 'webp' | 'avif' | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (bytes.length >= 12 && bytes.subarray(4, 12).toString('latin1') === 'ftypavif') return 'avif';
  return null;
}

export interface StoreImagesOptions {
  fetcher: Fetcher;
  /** Archive root. */
  archive: string;
  abbr: string;
  /** Archive-relative path of the article file (e.g. articles/voa/1048575.md). */
  articlePath: string;
  /** Proxy template for images that cannot be stored. */
  imageProxy: string | null;
  maxBytes?: number;
  store: ImageStore;
}

export interface StoreImagesResult {
  html: string;
  stored: number;
  reused: number;
  failed: number;
  bytes: number;
  failures: string[];
}

/** Largest image stored by default. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** Store the images of cleaned `html` locally and point the article at them. */
export async function storeImages(html: string, opts: StoreImagesOptions): Promise<StoreImagesResult> {
  const result: StoreImagesResult = { html, stored: 0, reused: 0, failed: 0, bytes: 0, failures: [] };
  const doc = parseDocument(html, { decodeEntities: true });
  const imgs = DomUtils.getElementsByTagName('img', doc.children, true) as Element[];
  if (imgs.length === 0) return result;
  const articleDir = path.posix.dirname(opts.articlePath);
  for (const img of imgs) {
    const src = img.attribs.src;
    if (!src || !/^https?:\/\//i.test(src)) continue;
    const known = opts.store.lookup(src);
    let rel: string | null = null;
    if (known && existsSync(path.join(opts.archive, known.path))) {
      rel = known.path;
      result.reused++;
    } else {
      try {
        const stored = await download(src, opts);
        rel = stored.path;
        opts.store.record(src, stored.path, stored.bytes);
        result.stored++;
        result.bytes += stored.bytes;
      } catch (err) {
        result.failed++;
        result.failures.push(errorMessage(err));
        img.attribs.src = proxyImageUrl(src, opts.imageProxy);
        continue;
      }
    }
    img.attribs.src = path.posix.relative(articleDir, rel);
    // The local copy is the one image; a srcset would send readers back to the blocked hosts.
    delete img.attribs.srcset;
  }
  result.html = DomUtils.getOuterHTML(doc.children, { decodeEntities: true, encodeEntities: 'utf8' });
  return result;
}

async function download(url: string, opts: StoreImagesOptions): Promise<{ path: string; bytes: number }> {
  const maxBytes = opts.maxBytes ?? MAX_IMAGE_BYTES;
  const out = await opts.fetcher.fetch({ url, untrusted: true, accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9', maxBytes });
  if (out.kind !== 'fetched') throw new NewsmirrorError('not_image', `${url}: unexpected 304`);
  const type = (out.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const ext = imageType(out.body);
  if (!type.startsWith('image/') || type === 'image/svg+xml' || !ext) {
    throw new NewsmirrorError('not_image', `${url}: not a stored image type (${type || 'no Content-Type'}${ext ? '' : ', unknown bytes'})`);
  }
  const hash = createHash('sha256').update(out.body).digest('hex').slice(0, 16);
  const rel = `assets/${opts.abbr}/${hash}.${ext}`;
  await writeFileAtomic(path.join(opts.archive, rel), out.body);
  return { path: rel, bytes: out.body.length };
}
