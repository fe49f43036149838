import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ChainStore, HOME_FILES, nativeSuite, verifyChain, WorkerPool, workerConfigFromGenesis } from '@lianzheng/node';
import { isLianzhengError } from '@lianzheng/protocol';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type GlobalOptions, print, resolveHome, usage } from '../context.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      're-verify the whole stored chain: hashes, signatures, Merkle roots, attestations, state roots (by re-execution) and the state store',
    )
    .option('--from <height>', 'first height (without replay)', (v) => Number.parseInt(v, 10))
    .option('--to <height>', 'last height', (v) => Number.parseInt(v, 10))
    .option('--no-signatures', 'skip transaction signatures (attestations are always checked)')
    .option('--no-replay', 'do not re-execute the chain')
    .option('--workers <n>', 'worker threads', (v) => Number.parseInt(v, 10), availableParallelism())
    .action(
      async (
        opts: { from?: number; to?: number; signatures: boolean; replay: boolean; workers: number },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const home = resolveHome(g.home);
        const store = ChainStore.open({ path: path.join(home, HOME_FILES.db), readOnly: true });
        const genesis = store.genesis();
        if (genesis === undefined) usage(`${home} holds no chain`);
        const suite = nativeSuite(genesis.suite);
        const to = opts.to ?? store.height();
        const from = opts.from ?? 0;
        if (opts.replay && from !== 0) usage('--from needs --no-replay: re-execution starts at genesis');
        const pool = new WorkerPool({ threads: opts.workers }, workerConfigFromGenesis(genesis, 1));
        const interactive = process.stderr.isTTY && !g.json;
        const bar = new cliProgress.SingleBar(
          {
            format: '  verifying |{bar}| {percentage}% block {value}/{total} · {txs} tx · {rate} tx/s · {phase}',
            stream: process.stderr,
            noTTYOutput: !interactive,
            notTTYSchedule: 5000,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        const started = performance.now();
        bar.start(to, from, { txs: 0, rate: 0, phase: 'blocks' });
        try {
          const report = await verifyChain(
            {
              from,
              to,
              signatures: opts.signatures,
              replay: opts.replay,
              storeChecks: opts.to === undefined,
              window: 4 * pool.size,
            },
            {
              store,
              suite,
              genesis,
              pool,
              onProgress: (p) => {
                const seconds = (performance.now() - started) / 1000;
                bar.update(p.height, {
                  txs: p.txs,
                  rate: Math.round(p.txs / Math.max(seconds, 0.001)),
                  phase: p.phase,
                });
              },
            },
          );
          bar.stop();
          const rate = Math.round(report.txs / Math.max(report.seconds, 0.001));
          print(
            g,
            [
              `✓ chain ${genesis.chainId} verified: blocks ${report.from}–${report.to}, ${report.txs} transactions in ${report.seconds.toFixed(2)} s (${rate} tx/s)`,
              `  ${report.signatures} signatures${opts.signatures ? '' : ' (attestations only)'}, ` +
                `${report.replayed ? 'every block re-executed, state roots reproduced' : 'no re-execution'}` +
                (report.pages > 0 ? `, ${report.pages} state pages and ${report.values} state values checked` : ''),
            ].join('\n'),
            { ok: true, ...report, txPerSecond: rate },
          );
        } catch (error) {
          bar.stop();
          if (isLianzhengError(error) && error.code === 'STORE_CORRUPT') {
            const d = error.details ?? {};
            print(g, `✗ TAMPERING OR CORRUPTION at block ${String(d.height)}: ${String(d.reason)} — ${error.message}`, {
              ok: false,
              ...error.toJSON(),
            });
            process.exitCode = 2;
            return;
          }
          throw error;
        } finally {
          await pool.close();
          await store.close();
        }
      },
    );
}
