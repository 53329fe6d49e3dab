/** Render stage: what readers read besides the Markdown — the mirror's own feeds and the static website. */
export { renderFeeds } from './feeds.js';
export { serveSite } from './serve.js';
export { escapeHtml, renderSite } from './site.js';
export { searchTokenize } from './tokenize.js';
export type { RenderArticle, RenderHistory, RenderOptions, RenderSource } from './types.js';
export { paragraphText, textDiffHtml, wordDiffHtml } from './history.js';
