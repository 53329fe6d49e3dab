/**
 * Where the derived outputs lie relative to each other, resolved from a Config's folders and address: the
 * README's links (written in the archive root) and the website's link to the digests.
 */
import path from 'node:path';
import type { Config } from '../types.js';

export interface OutputLinks {
  /**
   * Where readers reach the derived outputs, for the README's links: the published root (site.baseUrl is the
   * website's address, and the outputs keep their places relative to the archive root on the site branch), or
   * '' when no address is set (links relative to the archive, right in a local copy).
   */
  base: string;
  /** The website's front page relative to the archive root. */
  siteIndex: string;
  /** The digests page relative to the archive root (for the README), or null when it lies outside. */
  digests: string | null;
  /** The digests page relative to the website, or null when the digests are not inside it. */
  digestsFromSite: string | null;
}

/** The links between the archive, the website and the digests that `config` puts where they are. */
export function outputLinks(config: Pick<Config, 'archive' | 'siteDir' | 'baseUrl' | 'digests'>): OutputLinks {
  const up = path.relative(config.siteDir, config.archive).split(path.sep).join('/');
  return {
    base: config.baseUrl ? new URL(up ? `${up}/` : './', `${config.baseUrl}/`).href : '',
    siteIndex: `${path.relative(config.archive, config.siteDir).split(path.sep).join('/') || '.'}/index.html`,
    digests: pageInside(config.archive, config.digests.dir),
    digestsFromSite: pageInside(config.siteDir, config.digests.dir),
  };
}

/** `dir`'s index.html relative to `from`, or null when `dir` is not inside `from`. */
function pageInside(from: string, dir: string): string | null {
  const rel = path.relative(from, dir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `${rel.split(path.sep).join('/')}/index.html` : null;
}
