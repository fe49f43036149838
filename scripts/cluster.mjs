#!/usr/bin/env node
// `npm run cluster`: installs what is missing (npm packages, Debian's etcd-server), builds, and runs
// `lianzheng cluster up`: three etcd members and one node per demo department (four) on 127.0.0.1, with the demo
// data, until Ctrl-C stops every process cleanly. Arguments after `--` go to `cluster up` (e.g. `-- --orgs 5`).
//   LIANZHENG_PASSPHRASE  passphrase of the demo key files (default: the published demo passphrase — a demo
//                         chain's keys protect nothing; set your own for anything else)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeModules, root, step } from './setup.mjs';

ensureNodeModules();
ensureDebianPackages(['etcd-server']);
build();
process.env.LIANZHENG_PASSPHRASE ??= 'lianzheng-demo-passphrase';
step('Starting the local consortium…');
const cli = path.join(root, 'packages', 'cli', 'bin', 'lianzheng.js');
const child = spawn(process.execPath, [cli, 'cluster', 'up', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 0 : 1)));
