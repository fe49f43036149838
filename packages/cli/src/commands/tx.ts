import { type JsonObject, parseJsonStrict } from '@lianzheng/protocol';
import { buildTransaction, getChainInfo, signTransactionWith, submitTransaction } from '@lianzheng/sdk';
import type { Command } from 'commander';
import { client, type GlobalOptions, print, resolveKey, signerOf, usage } from '../context.js';

export function registerTx(program: Command): void {
  program
    .command('tx <contract> <method>')
    .description('build, sign and submit a transaction')
    .option('--args <json>', 'method arguments as a JSON object', '{}')
    .option('--key <file>', 'signing key file (default: the home organisation admin key)')
    .option('--ttl <seconds>', 'validity window', (v) => Number.parseInt(v, 10), 600)
    .option('--no-wait', 'return once admitted instead of waiting for the block')
    .option('--print', 'print the signed transaction instead of submitting it')
    .action(
      async (
        contract: string,
        method: string,
        opts: { args: string; key?: string; ttl: number; wait: boolean; print?: boolean },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        let args: JsonObject;
        try {
          const parsed = parseJsonStrict(opts.args);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          args = parsed;
        } catch {
          usage('--args must be a JSON object (integers only)');
        }
        const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
        const { signer, suite } = signerOf(key);
        const c = await client(g);
        const info = await getChainInfo(c);
        const tx = buildTransaction({
          chainId: info.chainId,
          signer: key.publicKey,
          contract,
          method,
          args,
          ttlMs: opts.ttl * 1000,
        });
        const signed = await signTransactionWith(suite, tx, signer);
        if (opts.print) {
          print(g, JSON.stringify(signed, null, 2), signed);
          return;
        }
        const result = await submitTransaction(c, signed, { wait: opts.wait });
        if (result.status === 'committed') {
          const r = result.receipt;
          print(
            g,
            `${result.id}\n  committed in block ${result.height} (index ${result.index}): ${r.status}${r.code === undefined ? '' : ` ${r.code} — ${r.message ?? ''}`}`,
            result,
          );
          if (r.status !== 'ok') process.exitCode = 1;
        } else print(g, `${result.id}\n  pending (admitted, not yet in a durable block)`, result);
      },
    );
}
