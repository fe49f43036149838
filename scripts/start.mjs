#!/usr/bin/env node
// `npm start`: installs and builds what is missing, creates the demo chain (five departments of a fictional city)
// on first run, and starts a single node with solo ordering and embedded storage on 127.0.0.1.
//   LIANZHENG_HOME   node home (default ./data/demo)     LIANZHENG_PORT   API port (default 7070)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build, ensureNodeModules, root, run, step } from './setup.mjs';

ensureNodeModules();
build();
const home = path.resolve(root, process.env.LIANZHENG_HOME ?? path.join('data', 'demo'));
const cli = path.join(root, 'packages', 'cli', 'bin', 'lianzheng.js');
const port = process.env.LIANZHENG_PORT ?? '7070';
if (!existsSync(path.join(home, 'genesis.json'))) {
  step(`Creating the demo chain (five departments of a fictional city) in ${path.relative(root, home) || home}…`);
  run(process.execPath, [cli, '--home', home, '--json', 'init', '--demo', '--port', port], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
step('Starting the node…');
// A larger young generation keeps scavenge pauses short under load (see docs/operations.md).
const child = spawn(
  process.execPath,
  ['--max-semi-space-size=64', cli, '--home', home, 'start', '--seed-demo', '--port', port],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 0 : 1)));
