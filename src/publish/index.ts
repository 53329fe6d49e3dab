/** Publish stage: git commit and push of the archive, and the starter files of a new mirror. */
export { commitMessage, publish, type PublishOptions, type PublishResult } from './git.js';
export { initMirror, shardedWorkflow, starterConfig, workflow } from './init.js';
export { DERIVED_PATHS, publishDerived, RECORD_PATHS, untrackDerived, type DerivedPublishOptions, type DerivedPublishResult } from './derived.js';
export { defaultActionRef, githubRepoOf, parseActionRef, PINNED_ACTIONS } from './actions.js';
