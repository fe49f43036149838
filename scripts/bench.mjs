#!/usr/bin/env node
// `npm run bench [-- options]`: installs and builds what is missing, then runs bench/run.mjs (see bench/README.md).
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeModules, root, run } from './setup.mjs';

ensureNodeModules();
ensureDebianPackages(['etcd-server']);
build();
// `npm run bench -- --cluster [options]`: the consortium benchmark (bench/cluster.mjs) instead of the single node.
const argv = process.argv.slice(2);
const cluster = argv.includes('--cluster');
run(process.execPath, [
  path.join(root, 'bench', cluster ? 'cluster.mjs' : 'run.mjs'),
  ...argv.filter((a) => a !== '--cluster'),
]);
