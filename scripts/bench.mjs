#!/usr/bin/env node
// `npm run bench [-- options]`: installs and builds what is missing, then runs bench/run.mjs (see bench/README.md).
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeModules, root, run } from './setup.mjs';

ensureNodeModules();
ensureDebianPackages(['etcd-server']);
build();
// `npm run bench -- --cluster [options]`: the consortium benchmark (bench/cluster.mjs) instead of the single node;
// `npm run bench -- --privacy [options]`: personal-data registrations and reads per second (bench/privacy.mjs).
const argv = process.argv.slice(2);
const script = argv.includes('--cluster') ? 'cluster.mjs' : argv.includes('--privacy') ? 'privacy.mjs' : 'run.mjs';
run(process.execPath, [
  path.join(root, 'bench', script),
  ...argv.filter((a) => a !== '--cluster' && a !== '--privacy'),
]);
