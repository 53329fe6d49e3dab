/** Runs the CLI from source (src/cli), so archive tests exercise this tree's code, not a stale dist/ build. */
import { main } from '../../src/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
