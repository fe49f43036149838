#!/usr/bin/env node
// `npm run bench [-- options]`: installs and builds what is missing, then runs bench/run.mjs (see bench/README.md).
import path from 'node:path';
import { build, ensureDebianPackages, ensureNodeModules, root, run } from './setup.mjs';

ensureNodeModules();
ensureDebianPackages(['etcd-server']);
build();
run(process.execPath, [path.join(root, 'bench', 'run.mjs'), ...process.argv.slice(2)]);
