import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createApiServer, defaultApiOptions, isFaultInjection, LianzhengNode } from '@lianzheng/node';
import type { Command } from 'commander';
import { pino } from 'pino';
import { type GlobalOptions, passphrase, resolveHome, usage } from '../context.js';
import { seedDemo } from '../demoSeed.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start the node (solo or etcd ordering, embedded storage) and its HTTP API')
    .option('--host <host>', 'listen address (default: node.json, 127.0.0.1)')
    .option('--port <port>', 'listen port (default: node.json, 7070)', (v) => Number.parseInt(v, 10))
    .option('--workers <n>', 'signature-verification worker threads', (v) => Number.parseInt(v, 10))
    .option('--log-level <level>', 'trace|debug|info|warn|error', 'info')
    .option('--seed-demo', 'on a fresh chain, record a little demo history')
    .option('--portal <dir>', 'serve this built web app at / (default: the installed @lianzheng/portal)')
    .option('--no-portal', 'serve the API only')
    .action(
      async (
        opts: {
          host?: string;
          port?: number;
          workers?: number;
          logLevel: string;
          seedDemo?: boolean;
          portal?: string | boolean;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const home = resolveHome(g.home);
        const log = pino(
          {
            level: opts.logLevel,
            base: { service: 'lianzheng' },
            redact: { paths: ['*.secretKey', 'secretKey'], remove: true },
          },
          pino.destination({ fd: 2, sync: false }),
        );
        const pass = await passphrase(g, 'Passphrase of the node key');
        const fault = process.env.LIANZHENG_FAULT_INJECTION;
        if (fault !== undefined && !isFaultInjection(fault)) usage('LIANZHENG_FAULT_INJECTION: unknown fault');
        if (fault !== undefined)
          log.warn({ fault }, 'FAULT INJECTION is on: this node misbehaves on purpose (tests only)');
        const overrides = {
          ...(opts.workers === undefined ? {} : { workers: opts.workers }),
          ...(fault === undefined ? {} : { faultInjection: fault }),
        };
        const node = await LianzhengNode.open(home, overrides, {
          log,
          passphrase: pass,
          onFatal: (error) => {
            log.fatal({ err: error }, 'stopping: the node cannot continue safely');
            log.flush();
            process.exit(70);
          },
        });
        const portalDir = opts.portal === false ? undefined : findPortal(opts.portal);
        if (opts.portal !== false && portalDir === undefined) {
          log.warn('the web app is not built (npm run build); serving the API only');
        }
        const app = await createApiServer(node, {
          ...defaultApiOptions,
          ...(portalDir === undefined ? {} : { portalDir }),
        });
        const host = opts.host ?? node.config.listen.host;
        const port = opts.port ?? node.config.listen.port;
        await app.listen({ host, port });
        const address = app.server.address();
        const actualPort = typeof address === 'object' && address !== null ? address.port : port;
        let seeded = 0;
        if (opts.seedDemo && node.ledger.durableHeight === 0) seeded = await seedDemo(node, home, pass);
        const base = `http://${host}:${actualPort}`;
        const org = node.genesis.orgs.find((o) => o.id === node.identity.org);
        process.stdout.write(
          [
            `链政 Lianzheng — node ${node.identity.node} (${org?.name ?? node.identity.org}) is running`,
            `  chain ${node.genesis.chainId} · suite ${node.genesis.suite} · ordering ${node.genesis.ordering.type} · height ${node.ledger.durableHeight}` +
              (seeded > 0 ? ` · ${seeded} demo transactions recorded` : ''),
            `  home      ${home}` + (seeded > 0 ? `   (demo identities: ${home}/identities.json)` : ''),
            ...(portalDir === undefined ? [] : [`  web app   ${base}/`]),
            `  API       ${base}/v1`,
            `  API docs  ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
            `  events    ws://${host}:${actualPort}/v1/events`,
            `  health    ${base}/health`,
            `  metrics   ${base}/metrics`,
            '  Ctrl-C stops the node cleanly.',
            '',
          ].join('\n'),
        );
        let closing = false;
        const shutdown = async (signal: string) => {
          if (closing) return;
          closing = true;
          log.info({ signal }, 'shutting down');
          await app.close();
          await node.close();
          log.flush();
          process.exit(0);
        };
        process.on('SIGINT', () => void shutdown('SIGINT'));
        process.on('SIGTERM', () => void shutdown('SIGTERM'));
      },
    );
}

/** The built web app: `dir` if given, else the dist directory of the installed @lianzheng/portal, if built. */
function findPortal(dir: string | true | undefined): string | undefined {
  if (typeof dir === 'string') {
    if (!existsSync(path.join(dir, 'index.html'))) usage(`--portal: ${dir} holds no index.html`);
    return path.resolve(dir);
  }
  try {
    const pkg = createRequire(import.meta.url).resolve('@lianzheng/portal/package.json');
    const dist = path.join(path.dirname(pkg), 'dist');
    return existsSync(path.join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}
