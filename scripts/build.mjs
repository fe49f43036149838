#!/usr/bin/env node
import path from 'node:path';
// `npm run build`: every TypeScript package (tsc -b), then the web app (Vite) — always, even when it looks current.
import { buildPortal, ensureNodeModules, root, run } from './setup.mjs';

ensureNodeModules();
run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
buildPortal({ force: true });
