#!/usr/bin/env node
// The `piko` command. The CLI is bundled by `npm run build` (tools/build.mjs) into dist/apps/cli;
// this shim only finds that bundle, so `npx piko` works from a workspace after one build.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.resolve(__dirname, '../../../dist/apps/cli/main.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write(`piko: ${bundle} is missing; run \`npm run build\` (or \`npm start\`) first\n`);
  process.exit(1);
}
require(bundle);
