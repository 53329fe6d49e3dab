/**
 * newsmirror as a library: the verbs of each stage, for programs that embed the mirror instead of running
 * the CLI. `runMirror` does what `newsmirror run` does.
 */
export { DEFAULT_SITES, fromObject, loadConfig } from './config/index.js';
export { decodeText } from './encoding/index.js';
export { createFetcher, DEFAULT_FETCH_POLICY } from './fetch/index.js';
export { parseDate, parseFeed } from './parse/index.js';
export { extractFullText, needsFullText } from './extract/index.js';
export { cleanHtml, htmlToText, proxyImageUrl } from './clean/index.js';
export { storeImages } from './images/index.js';
export { ArchiveIndex, canonicalLink, normalizeTitle } from './identity/index.js';
export { importArchive, parseArticleFile, renderArticleFile, verifyArchive } from './archive/index.js';
export { renderFeeds, renderSite, serveSite } from './render/index.js';
export { initMirror, publish } from './publish/index.js';
export { renderArchive, runMirror, type RunOptions } from './pipeline/index.js';
export { main } from './cli/index.js';
export { NewsmirrorError, type ErrorCode } from './errors.js';
export type * from './types.js';
