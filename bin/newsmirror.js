#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli (compiled from src/cli on install).
import { configureProcess } from '../dist/cli/process.js';
import { main } from '../dist/cli/index.js';

configureProcess();

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`newsmirror: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
