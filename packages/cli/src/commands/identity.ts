import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { certificateFile, generateKeyPair, HOME_FILES, type KeyPair, saveKeyFile } from '@lianzheng/node';
import {
  bytesToHex,
  certificateFromPem,
  didKeyFromPublicKey,
  KEY_ID_PATTERN,
  parseCertificate,
} from '@lianzheng/protocol';
import { getIdentity, getMembers, getSubject } from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  type GlobalOptions,
  openKey,
  passphrase,
  pinnedGenesis,
  print,
  resolveHome,
  resolveKey,
  sessionClient,
  submitAndReport,
  usage,
} from '../context.js';

export function registerIdentity(program: Command): void {
  const identity = program
    .command('identity')
    .description('enrol members with their certificates, register citizens and enterprises, look identities up');

  identity
    .command('enrol')
    .description("enrol a member certificate on chain, signed by the certificate's own key (self-enrolment)")
    .requiredOption('--cert <file|id>', 'the certificate (.pem, or a member id with <home>/certs/<id>.pem)')
    .option('--key <file|id>', 'the key the certificate certifies (default: <home>/keys/<id>.key.json)')
    .action(async (opts: { cert: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const home = resolveHome(g.home);
      const file = existsSync(opts.cert) ? path.resolve(opts.cert) : certificateFile(home, opts.cert);
      if (!existsSync(file)) usage(`no certificate ${opts.cert}`);
      const der = certificateFromPem(await readFile(file, 'utf8'));
      const cert = parseCertificate(der);
      const key = await resolveKey({ ...g, key: opts.key ?? cert.subject.commonName ?? '' });
      if (bytesToHex(key.publicKey) !== bytesToHex(cert.publicKey))
        usage('the key is not the key the certificate certifies');
      await submitAndReport(
        g,
        key,
        'identity',
        'enrol',
        { cert: Buffer.from(der).toString('base64') },
        {
          describe: () =>
            `enrolled ${cert.subject.org}/${cert.subject.commonName} (${cert.member?.roles.join(', ') || 'no roles'})`,
        },
      );
    });

  identity
    .command('register-subject')
    .description(
      'register a citizen or enterprise after the off-chain real-name check: only a pseudonymous subject id and the ' +
        'public key go on chain. Signed by a registrar (--key), co-signed by the subject key (proof of possession)',
    )
    .requiredOption('--kind <kind>', 'citizen or enterprise')
    .option('--subject-key <file>', "the subject's key file (default: create one, --id names it)")
    .option('--id <id>', 'file name for a created subject key, e.g. citizen-42 (no personal data)')
    .option('--key <file|id>', 'the registrar key (default: the home organisation admin key)')
    .action(async (opts: { kind: string; subjectKey?: string; id?: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.kind !== 'citizen' && opts.kind !== 'enterprise') usage('--kind must be citizen or enterprise');
      const registrar = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      let subject: KeyPair;
      if (opts.subjectKey !== undefined) subject = await openKey(g, path.resolve(opts.subjectKey));
      else {
        if (opts.id === undefined || !KEY_ID_PATTERN.test(opts.id)) usage('--id <id> names the new subject key file');
        const file = path.join(resolveHome(g.home), HOME_FILES.keys, `${opts.id}.key.json`);
        if (existsSync(file)) usage(`${file} exists`);
        subject = generateKeyPair(registrar.suite, opts.id, '');
        await saveKeyFile(file, subject, opts.kind, await passphrase(g));
      }
      await submitAndReport(
        g,
        registrar,
        'identity',
        'registerSubject',
        { publicKey: bytesToHex(subject.publicKey), kind: opts.kind },
        {
          cosigners: [subject],
          describe: (r) => {
            const out = r as { subject: string; did: string };
            return `registered ${opts.kind} ${out.subject}\n  did ${out.did}`;
          },
        },
      );
    });

  identity
    .command('show <key-or-subject>')
    .description('an identity record: a public key (member or subject key) or a subject id; signs in with --key')
    .option('--key <file|id>', 'sign in with this key (default: the home organisation admin key)')
    .action(async (ref: string, opts: { key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const c = await sessionClient(
        g,
        await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) }),
      );
      const record = /^[0-9a-f]{32}$/.test(ref) ? await getSubject(c, ref) : await getIdentity(c, ref);
      const { genesis } = await pinnedGenesis(g);
      const did =
        typeof record.publicKey === 'string'
          ? didKeyFromPublicKey(genesis.suite, Buffer.from(record.publicKey, 'hex'))
          : undefined;
      print(g, JSON.stringify({ ...record, ...(did === undefined ? {} : { did }) }, null, 2), record);
    });

  identity
    .command('members')
    .description("an organisation's enrolled members (policy identity.members: admin, secadmin or auditor of it)")
    .option('--org <org>', 'organisation (default: that of the signing key)')
    .option('--key <file|id>', 'sign in with this key (default: the home organisation admin key)')
    .action(async (opts: { org?: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      const c = await sessionClient(g, key);
      const list = await getMembers(c, opts.org ?? key.org);
      const rows = list.members as { member: string; roles: string[]; status: string; notAfter: number }[];
      print(
        g,
        rows
          .map(
            (m) =>
              `${m.member.padEnd(24)} ${(m.roles.join(',') || '—').padEnd(22)} ${m.status.padEnd(8)} until ${new Date(m.notAfter).toISOString().slice(0, 10)}`,
          )
          .join('\n') || 'no members',
        list,
      );
    });
}
