#!/usr/bin/env node
// `npm start` / `npm run bsn -- <args>`: the same launcher as the `bsn` bin (packages/cli/bin/bsn.mjs),
// which runs the CLI from its TypeScript source and forwards arguments, signals and the exit status.
import '../packages/cli/bin/bsn.mjs';
