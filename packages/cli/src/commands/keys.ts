import { existsSync } from 'node:fs';
import path from 'node:path';
import { changePassphrase, generateKeyPair, readKeyFileHeader, resolvePassphrase, saveKeyFile } from '@lianzheng/node';
import { bytesToHex, isSuiteId, KEY_ID_PATTERN, ORG_ID_PATTERN } from '@lianzheng/protocol';
import type { Command } from 'commander';
import { type GlobalOptions, passphrase, print, usage } from '../context.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('generate and show key files (secret keys are never printed)');
  keys
    .command('generate')
    .description('generate a key pair and write it to a key file (mode 0600)')
    .requiredOption('--id <id>', 'key id, e.g. market-clerk-1')
    .requiredOption('--org <org>', 'organisation id')
    .option('--suite <suite>', 'ed25519-sha256 or sm2-sm3', 'ed25519-sha256')
    .option('--role <role>', 'member, node, citizen or enterprise', 'member')
    .option('--out <file>', 'key file to write (default: ./<id>.key.json)')
    .action(async (opts: { id: string; org: string; suite: string; role: string; out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (!KEY_ID_PATTERN.test(opts.id)) usage('--id must match [a-z0-9][a-z0-9._-]{0,63}');
      if (!ORG_ID_PATTERN.test(opts.org)) usage('--org must match [a-z][a-z0-9-]{1,31}');
      if (!isSuiteId(opts.suite)) usage('--suite must be ed25519-sha256 or sm2-sm3');
      if (!['member', 'node', 'citizen', 'enterprise'].includes(opts.role)) {
        usage('--role must be member, node, citizen or enterprise');
      }
      const file = path.resolve(opts.out ?? `${opts.id}.key.json`);
      if (existsSync(file)) usage(`${file} exists; refusing to overwrite a key file`);
      const key = generateKeyPair(opts.suite, opts.id, opts.org);
      await saveKeyFile(file, key, opts.role, await passphrase(g, 'New passphrase for the key file', true));
      print(g, `Wrote ${file}\n  public key ${bytesToHex(key.publicKey)}`, {
        file,
        id: key.id,
        org: key.org,
        suite: key.suite,
        publicKey: bytesToHex(key.publicKey),
      });
    });
  keys
    .command('show <file>')
    .description('show the id, organisation, role, suite and public key of a key file (no passphrase needed)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await readKeyFileHeader(path.resolve(file));
      const info = { id: key.id, org: key.org, role: key.role, suite: key.suite, publicKey: bytesToHex(key.publicKey) };
      print(
        g,
        `id         ${info.id}\norg        ${info.org}\nrole       ${info.role}\nsuite      ${info.suite}\npublic key ${info.publicKey}`,
        info,
      );
    });
  keys
    .command('passwd <file>')
    .description('re-encrypt a key file under a new passphrase (fresh salt; the file is replaced atomically)')
    .option('--new-passphrase-file <file>', 'file holding the new passphrase (default: prompt twice)')
    .action(async (file: string, opts: { newPassphraseFile?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const old = await passphrase(g, 'Current passphrase');
      const next = await resolvePassphrase({
        passphraseFile: opts.newPassphraseFile,
        env: {},
        promptLabel: 'New passphrase',
        confirm: true,
      });
      await changePassphrase(path.resolve(file), old, next);
      print(g, `Re-encrypted ${file}`, { file });
    });
}
