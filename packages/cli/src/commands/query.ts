import { writeFile } from 'node:fs/promises';
import {
  assertCheckpoint,
  assertTxProof,
  hexToBytes,
  stateProofFromJson,
  verifyCheckpoint,
  verifyStateProof,
  verifyTxProof,
} from '@lianzheng/protocol';
import { getState, getTransactionProof } from '@lianzheng/sdk';
import type { Command } from 'commander';
import { client, formatTime, type GlobalOptions, pinnedGenesis, print } from '../context.js';

export function registerQuery(program: Command): void {
  program
    .command('query <contract> <key>')
    .description(
      'read a state value; with --proof, verify value or absence against a certified checkpoint and the pinned genesis',
    )
    .option('--proof', 'fetch and verify a state proof')
    .option('--height <height>', 'read at this height', (v) => Number.parseInt(v, 10))
    .action(async (contract: string, key: string, opts: { proof?: boolean; height?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const c = await client(g);
      const view = await getState(c, contract, key, {
        proof: opts.proof === true,
        ...(opts.height === undefined ? {} : { height: opts.height }),
      });
      if (!opts.proof) {
        print(g, JSON.stringify(view.value, null, 2), view);
        return;
      }
      const { suite, trust } = await pinnedGenesis(g);
      const checkpoint = verifyCheckpoint(suite, trust, assertCheckpoint(view.checkpoint));
      verifyStateProof(
        suite,
        hexToBytes(checkpoint.header.stateRoot),
        contract,
        key,
        view.value,
        stateProofFromJson(view.proof),
      );
      print(
        g,
        [
          view.value === null ? `${contract}/${key}: absent` : JSON.stringify(view.value, null, 2),
          `✓ proof verified at height ${checkpoint.header.height} (${formatTime(checkpoint.header.time)})`,
          `  state root ${checkpoint.header.stateRoot}, attested by ${checkpoint.orgs.join(', ')}`,
        ].join('\n'),
        { ...view, verified: true },
      );
    });

  program
    .command('proof <txid>')
    .description('fetch the inclusion proof of a transaction and verify it against the pinned genesis')
    .option('--out <file>', 'also save the proof as JSON')
    .action(async (txid: string, opts: { out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { suite, trust } = await pinnedGenesis(g);
      const proof = await getTransactionProof(await client(g), txid);
      const verified = verifyTxProof(suite, trust, assertTxProof(proof, suite));
      if (opts.out !== undefined) await writeFile(opts.out, `${JSON.stringify(proof, null, 2)}\n`);
      print(
        g,
        [
          `✓ transaction ${verified.txId}`,
          `  in block ${verified.height} at ${formatTime(verified.time)}, receipt ${verified.receipt.status}${verified.receipt.code === undefined ? '' : ` ${verified.receipt.code}`}`,
          `  signature, Merkle paths and checkpoint verified; attested by ${verified.orgs.join(', ')}`,
          ...(opts.out === undefined ? [] : [`  saved to ${opts.out}`]),
        ].join('\n'),
        { verified, proof },
      );
    });
}
