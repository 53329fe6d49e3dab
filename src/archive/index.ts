/**
 * Archive stage: the on-disk format of the original mirror (articles, lists, README), written atomically,
 * read back byte for byte, imported into the index and verified against it.
 */
export { articleFileName, escapeListTitle, escapeTitle, flattenBody, markdownHref, oneLineTitle, parseArticleFile, renderArticleFile, strip, type ReadArticle } from './format.js';
export { importArchive, removeTempFiles, verifyArchive, type ImportReport, type VerifyReport } from './import.js';
export {
  linkPath,
  listShape,
  monthDay,
  originalLinkPath,
  README_BEGIN,
  README_BLOCK_NOTE,
  README_END,
  renderList,
  foreignEntries,
  renderReadme,
  renderReadmeBlock,
  updateReadme,
  type ListFileEntry,
  type ListShape,
} from './lists.js';
export { acquireRunLock, type RunLock } from './lock.js';
export { isTempFile, TEMP_SUFFIX, writeFileAtomic, writeFilesAtomic } from './write.js';
