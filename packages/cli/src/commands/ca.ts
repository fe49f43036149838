import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  caFiles,
  certificateFile,
  createCa,
  generateKeyPair,
  HOME_FILES,
  issueFromCa,
  loadGenesis,
  openCa,
  readIssuanceLog,
  readKeyFileHeader,
  saveKeyFile,
  writeCertificate,
} from '@lianzheng/node';
import {
  bytesToHex,
  type Certificate,
  certificateFingerprint,
  certificateFromPem,
  hexToBytes,
  isSuiteId,
  KEY_ID_PATTERN,
  ORG_ID_PATTERN,
  parseCertificate,
  portableSuite,
  ROLE_PATTERN,
  type SuiteId,
} from '@lianzheng/protocol';
import { getExpiring } from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  type GlobalOptions,
  passphrase,
  print,
  resolveHome,
  resolveKey,
  sessionClient,
  submitAndReport,
  usage,
} from '../context.js';

const DAY = 86_400_000;

function daysLeft(notAfter: number): number {
  return Math.floor((notAfter - Date.now()) / DAY);
}

/** The certificate a name refers to: a PEM file, or a member id with a certificate in <home>/certs. */
async function certificateOf(home: string, ref: string): Promise<{ file: string; der: Uint8Array }> {
  const file = existsSync(ref) ? path.resolve(ref) : certificateFile(home, ref);
  if (!existsSync(file)) usage(`no certificate ${ref} (a .pem file or a member id with ${certificateFile(home, ref)})`);
  return { file, der: certificateFromPem(await readFile(file, 'utf8')) };
}

function describe(cert: Certificate, fingerprint: string): string {
  const dn = (d: Certificate['subject']) =>
    [
      d.country && `C=${d.country}`,
      d.org && `O=${d.org}`,
      d.unit && `OU=${d.unit}`,
      d.commonName && `CN=${d.commonName}`,
    ]
      .filter(Boolean)
      .join(', ');
  const left = daysLeft(cert.notAfter);
  return [
    `subject     ${dn(cert.subject)}`,
    `issuer      ${dn(cert.issuer)}`,
    `serial      ${cert.serial}`,
    `algorithm   ${cert.algorithm}`,
    `valid       ${new Date(cert.notBefore).toISOString()} → ${new Date(cert.notAfter).toISOString()} (${left < 0 ? `EXPIRED ${-left} days ago` : `${left} days left`})`,
    `kind        ${cert.ca ? 'CA' : (cert.member?.kind ?? 'member')}`,
    ...(cert.member === undefined
      ? []
      : [
          `roles       ${cert.member.roles.join(', ') || '—'}`,
          `attributes  ${
            Object.entries(cert.member.attrs)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ') || '—'
          }`,
        ]),
    `public key  ${bytesToHex(cert.publicKey)}`,
    `fingerprint ${fingerprint}`,
  ].join('\n');
}

function parseAttrs(list: readonly string[]): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i <= 0) usage(`--attr ${a}: expected name=value`);
    attrs[a.slice(0, i)] = a.slice(i + 1);
  }
  return attrs;
}

export function registerCa(program: Command): void {
  const ca = program
    .command('ca')
    .description(
      "an organisation's certificate authority: create it, issue member and node certificates, revoke, report expiry",
    );

  ca.command('init')
    .description('create the CA of an organisation: an encrypted key in <home>/ca and a self-signed root certificate')
    .requiredOption('--org <id>', 'organisation id, e.g. market')
    .option('--suite <suite>', 'ed25519-sha256 or sm2-sm3 (default: the chain suite of the home)')
    .option('--days <days>', 'validity of the root', (v) => Number.parseInt(v, 10), 3650)
    .action(async (opts: { org: string; suite?: string; days: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (!ORG_ID_PATTERN.test(opts.org)) usage('--org must match [a-z][a-z0-9-]{1,31}');
      const home = resolveHome(g.home);
      let suite: SuiteId;
      if (opts.suite !== undefined) {
        if (!isSuiteId(opts.suite)) usage('--suite must be ed25519-sha256 or sm2-sm3');
        suite = opts.suite;
      } else if (existsSync(path.join(home, HOME_FILES.genesis))) suite = (await loadGenesis(home)).suite;
      else usage('--suite is needed outside a node home');
      const created = await createCa({
        home,
        suite,
        org: { id: opts.org, name: opts.org },
        time: Date.now(),
        days: opts.days,
        passphrase: await passphrase(g, `New passphrase for the CA key of ${opts.org}`, true),
      });
      const fingerprint = certificateFingerprint(portableSuite(suite), created.der);
      const base64 = Buffer.from(created.der).toString('base64');
      print(
        g,
        `Created the CA of ${opts.org}\n  key         ${created.keyFile} (encrypted)\n  root        ${caFiles(home, opts.org).pem}\n  fingerprint ${fingerprint}\n` +
          `  For the consortium configuration (orgs[].ca, or a governance addOrg/setCa action):\n  ${base64}`,
        { org: opts.org, keyFile: created.keyFile, pem: caFiles(home, opts.org).pem, fingerprint, ca: base64 },
      );
    });

  ca.command('issue')
    .description(
      'issue a member (staff) or node certificate; creates the key pair unless --public-key or --key-file is given',
    )
    .requiredOption('--org <id>', 'issuing organisation')
    .requiredOption(
      '--id <member-id>',
      'member id (certificate CN): a staff number or account name, never a person name',
    )
    .option('--roles <roles>', 'comma-separated roles, e.g. caseworker or sysadmin,operator', '')
    .option(
      '--attr <name=value>',
      'attribute (repeatable), e.g. unit=service-window',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--node', 'a node certificate (attests blocks) instead of a member certificate')
    .option('--days <days>', 'validity', (v) => Number.parseInt(v, 10), 365)
    .option('--key-file <file>', 'certify the key of this existing key file')
    .option('--public-key <hex>', 'certify this public key (its holder keeps the secret key elsewhere)')
    .action(
      async (
        opts: {
          org: string;
          id: string;
          roles: string;
          attr: string[];
          node?: boolean;
          days: number;
          keyFile?: string;
          publicKey?: string;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!KEY_ID_PATTERN.test(opts.id)) usage('--id must match [a-z0-9][a-z0-9._-]{0,63}');
        const roles = opts.roles === '' ? [] : opts.roles.split(',');
        for (const r of roles) if (!ROLE_PATTERN.test(r)) usage(`--roles: ${r} is not a role name`);
        if (opts.days < 1 || opts.days > 3650) usage('--days must be 1–3650');
        const home = resolveHome(g.home);
        const authority = await openCa(home, opts.org, await passphrase(g));
        let publicKey: Uint8Array;
        let keyFile: string | undefined;
        if (opts.publicKey !== undefined) {
          publicKey = hexToBytes(opts.publicKey, '--public-key');
          if (!portableSuite(authority.suite).isValidPublicKey(publicKey)) {
            usage(`--public-key is not a valid ${authority.suite} public key`);
          }
        } else if (opts.keyFile !== undefined)
          publicKey = (await readKeyFileHeader(path.resolve(opts.keyFile))).publicKey;
        else {
          keyFile = path.join(home, HOME_FILES.keys, `${opts.id}.key.json`);
          if (existsSync(keyFile)) usage(`${keyFile} exists; pass --key-file to certify it`);
          const key = generateKeyPair(authority.suite, opts.id, opts.org);
          await saveKeyFile(keyFile, key, opts.node ? 'node' : 'member', await passphrase(g));
          publicKey = key.publicKey;
        }
        const der = await issueFromCa(authority, {
          id: opts.id,
          publicKey,
          member: { kind: opts.node ? 'node' : 'member', roles: opts.node ? [] : roles, attrs: parseAttrs(opts.attr) },
          time: Date.now(),
          days: opts.days,
        });
        const file = await writeCertificate(home, opts.id, der);
        const cert = parseCertificate(der);
        const fingerprint = certificateFingerprint(portableSuite(authority.suite), der);
        print(
          g,
          `Issued ${file}${keyFile === undefined ? '' : `\n  key ${keyFile} (encrypted)`}\n${describe(cert, fingerprint)}\n` +
            (opts.node
              ? ''
              : `Enrol it on chain with: lianzheng identity enrol --cert ${file}${keyFile === undefined ? ' --key <its key file>' : ''}`),
          {
            file,
            keyFile,
            fingerprint,
            serial: cert.serial,
            notAfter: cert.notAfter,
            cert: Buffer.from(der).toString('base64'),
          },
        );
      },
    );

  ca.command('show <cert>')
    .description('show a certificate (a .pem file, or a member id with a certificate in <home>/certs)')
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { file, der } = await certificateOf(resolveHome(g.home), ref);
      const cert = parseCertificate(der);
      const fingerprint = certificateFingerprint(
        portableSuite(cert.algorithm === 'ed25519' ? 'ed25519-sha256' : 'sm2-sm3'),
        der,
      );
      print(g, `${file}\n${describe(cert, fingerprint)}`, {
        file,
        fingerprint,
        serial: cert.serial,
        subject: cert.subject,
        issuer: cert.issuer,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        ca: cert.ca,
        member: cert.member ?? null,
        publicKey: bytesToHex(cert.publicKey),
      });
    });

  ca.command('list')
    .description("the certificates an organisation's CA has issued (its issuance log)")
    .requiredOption('--org <id>', 'organisation')
    .action(async (opts: { org: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const entries = await readIssuanceLog(resolveHome(g.home), opts.org);
      print(
        g,
        entries
          .map(
            (e) =>
              `${e.id.padEnd(24)} ${e.kind.padEnd(6)} ${(e.roles.join(',') || '—').padEnd(22)} until ${new Date(e.notAfter).toISOString().slice(0, 10)}  serial ${e.serial}`,
          )
          .join('\n') || 'no certificates issued',
        entries,
      );
    });

  ca.command('revoke <key-or-id>')
    .description(
      'revoke a member key on chain from the next block (or --height); signed by --key (a secadmin or admin of its organisation)',
    )
    .option(
      '--reason <reason>',
      'unspecified | keyCompromise | affiliationChanged | superseded | cessationOfOperation | privilegeWithdrawn',
      'unspecified',
    )
    .option('--height <h>', 'first height at which the key is refused (default: the next block)', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--key <file|id>', 'signing key (default: the home organisation admin key)')
    .action(async (ref: string, opts: { reason: string; height?: number; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const home = resolveHome(g.home);
      let target = ref;
      if (!/^[0-9a-f]{64,130}$/.test(ref))
        target = bytesToHex(parseCertificate((await certificateOf(home, ref)).der).publicKey);
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(
        g,
        key,
        'identity',
        'revoke',
        {
          key: target,
          reason: opts.reason,
          ...(opts.height === undefined ? {} : { height: opts.height }),
        },
        { describe: (r) => `revoked from height ${(r as { height: number }).height}` },
      );
    });

  ca.command('expiring')
    .description(
      'certificates that expire within --days: the CA roots and certificates in this home, and (with a node) enrolled members',
    )
    .option('--days <days>', 'look-ahead', (v) => Number.parseInt(v, 10), 30)
    .option(
      '--key <file|id>',
      'sign in with this key to ask the node about every enrolled member (policy identity.expiring)',
    )
    .action(async (opts: { days: number; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const home = resolveHome(g.home);
      const horizon = Date.now() + opts.days * DAY;
      const local: { file: string; subject: string; notAfter: number; daysLeft: number }[] = [];
      for (const dir of [path.join(home, HOME_FILES.ca), path.join(home, HOME_FILES.certs)]) {
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir)
          .filter((x) => x.endsWith('.pem'))
          .sort()) {
          const cert = parseCertificate(certificateFromPem(await readFile(path.join(dir, f), 'utf8')));
          if (cert.notAfter <= horizon) {
            local.push({
              file: path.join(dir, f),
              subject: `${cert.subject.org}/${cert.subject.commonName}`,
              notAfter: cert.notAfter,
              daysLeft: daysLeft(cert.notAfter),
            });
          }
        }
      }
      let enrolled: unknown = null;
      if (opts.key !== undefined) {
        const c = await sessionClient(g, await resolveKey({ ...g, key: opts.key }));
        enrolled = await getExpiring(c, opts.days);
      }
      const members =
        (enrolled as { members?: { org: string; member: string; notAfter: number }[] } | null)?.members ?? [];
      const lines = [
        `Within ${opts.days} days:`,
        ...(local.length === 0
          ? ['  no certificate in this home expires']
          : local.map(
              (c) => `  ${c.subject.padEnd(32)} ${c.daysLeft < 0 ? 'EXPIRED' : `${c.daysLeft} days`}  ${c.file}`,
            )),
        ...(enrolled === null
          ? ['  (pass --key to ask the node about every enrolled member)']
          : members.length === 0
            ? ['  no enrolled member certificate expires']
            : members.map((m) => `  ${`${m.org}/${m.member}`.padEnd(32)} ${daysLeft(m.notAfter)} days  (enrolled)`)),
      ];
      print(g, lines.join('\n'), { days: opts.days, local, enrolled });
      if (local.some((c) => c.daysLeft < 0)) process.exitCode = 2;
    });
}
