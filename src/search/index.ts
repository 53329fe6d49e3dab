/** Search stage: the website's whole-archive search index (built incrementally) and its page script. */
export { articleTerms, updateSearchIndex, type SearchArticle, type SearchIndexOptions, type SearchIndexReport, type SearchSource } from './build.js';
export { querySearchIndex, searchScript, type SearchHit } from './client.js';
export { foldText } from './fold.js';
export { queryTerms } from './terms.js';
