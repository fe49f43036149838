import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  assertNotaryCertificate,
  bytesToHex,
  isLianzhengError,
  isNotaryAlgorithm,
  type NotaryAlgorithm,
  parseJsonStrict,
  verifyNotaryCertificate,
} from '@lianzheng/protocol';
import {
  buildTransaction,
  getChainInfo,
  getNotaryCertificate,
  signTransactionWith,
  submitTransaction,
} from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  client,
  formatTime,
  type GlobalOptions,
  pinnedGenesis,
  print,
  readFileBytes,
  resolveKey,
  signerOf,
  usage,
} from '../context.js';

export function fileDigest(alg: NotaryAlgorithm, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(alg).update(bytes).digest());
}

export function registerNotary(program: Command): void {
  program
    .command('notarize <file>')
    .description('存证: register the hash of a file (the file never leaves this machine) and save its certificate')
    .option('--title <title>', 'a short public title (no personal data)')
    .option('--alg <alg>', 'sha256 or sm3 (default: the chain suite hash)')
    .option('--key <file>', 'signing key file')
    .option('--out <file>', 'certificate file (default: <file>.lzcert.json)')
    .action(async (file: string, opts: { title?: string; alg?: string; key?: string; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const c = await client(g);
      const info = await getChainInfo(c);
      const alg = opts.alg ?? (info.suite === 'sm2-sm3' ? 'sm3' : 'sha256');
      if (!isNotaryAlgorithm(alg)) usage('--alg must be sha256 or sm3');
      const hash = bytesToHex(fileDigest(alg, await readFileBytes(file)));
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      const { signer, suite } = signerOf(key);
      const tx = buildTransaction({
        chainId: info.chainId,
        signer: key.publicKey,
        contract: 'notary',
        method: 'register',
        args: { alg, hash, ...(opts.title === undefined ? {} : { title: opts.title }) },
      });
      const result = await submitTransaction(c, await signTransactionWith(suite, tx, signer), { wait: true });
      if (result.status !== 'committed') usage('the registration is still pending; run `lianzheng check` later');
      if (result.receipt.status !== 'ok') {
        print(g, `✗ ${result.receipt.code}: ${result.receipt.message ?? ''}`, result);
        process.exitCode = 1;
        return;
      }
      const certificate = await getNotaryCertificate(c, alg, hash);
      const out = opts.out ?? `${file}.lzcert.json`;
      await writeFile(out, `${JSON.stringify(certificate, null, 2)}\n`);
      print(
        g,
        [
          `✓ ${file} notarised`,
          `  ${alg} ${hash}`,
          `  block ${result.height}, tx ${result.id}`,
          `  certificate saved to ${out}`,
        ].join('\n'),
        { alg, hash, txId: result.id, height: result.height, certificate: out },
      );
    });

  program
    .command('check <file>')
    .description('存证核验: prove that a file was notarised and when (offline with --cert, else fetched from the node)')
    .option('--cert <file>', 'verify offline against this certificate')
    .option('--alg <alg>', 'sha256 or sm3 (default: from the certificate, else the chain suite hash)')
    .action(async (file: string, opts: { cert?: string; alg?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { suite, trust, genesis } = await pinnedGenesis(g);
      let raw: unknown;
      if (opts.cert !== undefined) {
        raw = parseJsonStrict(new TextDecoder().decode(await readFileBytes(opts.cert)));
      } else {
        const alg = opts.alg ?? (genesis.suite === 'sm2-sm3' ? 'sm3' : 'sha256');
        if (!isNotaryAlgorithm(alg)) usage('--alg must be sha256 or sm3');
        const hash = bytesToHex(fileDigest(alg, await readFileBytes(file)));
        try {
          raw = await getNotaryCertificate(await client(g), alg, hash);
        } catch (error) {
          if (isLianzhengError(error) && error.code === 'STATE_KEY_NOT_FOUND') {
            print(g, `✗ ${file} is not notarised on ${genesis.chainId} (${alg} ${hash})`, {
              notarised: false,
              alg,
              hash,
            });
            process.exitCode = 1;
            return;
          }
          throw error;
        }
      }
      const certificate = assertNotaryCertificate(raw, suite);
      const digest = fileDigest(certificate.document.alg, await readFileBytes(file));
      const v = verifyNotaryCertificate(suite, trust, certificate, digest);
      print(
        g,
        [
          `✓ ${file} existed at ${formatTime(v.time)}`,
          `  ${v.alg} ${v.hash}`,
          `  registered in block ${v.height} by ${v.registrant.slice(0, 16)}…, tx ${v.txId}`,
          `  verified: file hash, signature, Merkle paths, checkpoint attested by ${v.orgs.join(', ')}`,
        ].join('\n'),
        { notarised: true, ...v },
      );
    });
}
