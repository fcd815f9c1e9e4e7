#!/usr/bin/env node
'use strict';
// The `kedja` command. Runs the compiled CLI; on a fresh checkout it compiles first, so
// `npx kedja ...` works straight after `npm ci`.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('kedja: compiling (first run)...\n');
  const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] });
  const alias = result.status === 0
    ? spawnSync(process.execPath, [require.resolve('tsc-alias/dist/bin/index.js'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] })
    : result;
  if (alias.status !== 0) process.exit(alias.status || 1);
}
require(main);
