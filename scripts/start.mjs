#!/usr/bin/env node
// `npm start`: installs and builds what is missing, creates the demo chain (five departments of a fictional city)
// on first run, and starts a single node with solo ordering and embedded storage on 127.0.0.1.
//   LIANZHENG_HOME   node home (default ./data/demo)     LIANZHENG_PORT   API port (default 7070)
//   LIANZHENG_PASSPHRASE  passphrase of the demo key files (default: the published demo passphrase below — a demo
//                         chain's keys protect nothing; set your own for anything else)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { build, ensureNodeModules, root, run, step } from './setup.mjs';

ensureNodeModules();
build();
const home = path.resolve(root, process.env.LIANZHENG_HOME ?? path.join('data', 'demo'));
const cli = path.join(root, 'packages', 'cli', 'bin', 'lianzheng.js');
const port = process.env.LIANZHENG_PORT ?? '7070';
const DEMO_PASSPHRASE = 'lianzheng-demo-passphrase';
process.env.LIANZHENG_PASSPHRASE ??= DEMO_PASSPHRASE;
const genesisFile = path.join(home, 'genesis.json');
if (existsSync(genesisFile) && JSON.parse(readFileSync(genesisFile, 'utf8')).v !== 2) {
  // A demo chain made by an earlier release (genesis v1, unencrypted keys): keep it aside, make a new one.
  const aside = `${home}.v1-${Date.now()}`;
  step(
    `The demo chain in ${path.relative(root, home)} is from an earlier release; moving it to ${path.relative(root, aside)}`,
  );
  renameSync(home, aside);
}
if (!existsSync(genesisFile)) {
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
