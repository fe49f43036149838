import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyPair } from '@lianzheng/node';
import {
  bytesToHex,
  ConsortiumView,
  CREDENTIAL_EFFECTIVE_STATUSES,
  CREDENTIAL_ID_PATTERN,
  CREDENTIAL_REASONS,
  type CredentialAnchor,
  certificateFromBase64,
  configOfGenesis,
  credentialKeys,
  credentialsConfigOf,
  type Genesis,
  hexToBytes,
  isCredentialEffectiveStatus,
  issueCredential,
  parseCertificate,
  parseJsonStrict,
  parseSdJwt,
  presentSdJwt,
  type StateView,
  verifyCredentialPresentation,
} from '@lianzheng/protocol';
import {
  type Client,
  createWallet,
  getChainInfo,
  getCredentials,
  getState,
  presentationFromQrText,
  presentationQrText,
  QR_INLINE_MAX,
  type Wallet,
} from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  client,
  formatTime,
  type GlobalOptions,
  jsonObjectOption,
  pinnedGenesis,
  positiveInt,
  print,
  resolveHome,
  resolveKey,
  resolveUrl,
  sessionClient,
  submitAndReport,
  usage,
} from '../context.js';
import { renderTable } from './stats.js';

const DAY = 86_400_000;

/** A file's text, or the argument itself when it is no file (a presentation pasted or read from a QR code). */
async function textOf(fileOrText: string): Promise<string> {
  try {
    return (await readFile(fileOrText, 'utf8')).trim();
  } catch {
    return fileOrText.trim();
  }
}

/** A presentation, or a bundle `{ presentation, status }` written by `credential present --with-status`. */
function presentationOf(text: string): { presentation: string; status?: StateView } {
  if (!text.startsWith('{')) return { presentation: text };
  const v = parseJsonStrict(text) as { presentation?: unknown; status?: unknown };
  if (typeof v.presentation !== 'string') usage('the bundle has no presentation');
  return { presentation: v.presentation, ...(v.status === undefined ? {} : { status: v.status as StateView }) };
}

/** A wallet whose credentials are files `<id>.sdjwt` in `dir` (mode 0600). */
function walletOf(c: Client, genesis: Genesis, key: KeyPair, dir: string): Wallet {
  const file = (id: string) => {
    if (!CREDENTIAL_ID_PATTERN.test(id)) usage(`${id} is not a credential id`);
    return path.join(dir, `${id}.sdjwt`);
  };
  return createWallet({
    client: c,
    genesis,
    publicKey: key.publicKey,
    secretKey: key.secretKey,
    storage: {
      get: async (id) => (await readFile(file(id), 'utf8').catch(() => undefined))?.trim(),
      put: async (id, credential) => {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await writeFile(file(id), `${credential}\n`, { mode: 0o600 });
      },
      delete: async (id) => rm(file(id), { force: true }),
      ids: async () =>
        (await readdir(dir).catch(() => [] as string[]))
          .filter((f) => f.endsWith('.sdjwt'))
          .map((f) => f.slice(0, -'.sdjwt'.length))
          .sort(),
    },
  });
}

export function registerCredential(program: Command): void {
  const cr = program
    .command('credential')
    .description('电子证照: issue, present and verify e-licences (SD-JWT VCs); status on chain (docs/credentials.md)');

  cr.command('issue')
    .description("sign a licence with the department's seal and anchor it on chain; the file goes to the holder")
    .requiredOption('--type <id>', 'credential type (see the configuration: business-licence, …)')
    .requiredOption('--holder <subject>', "the holder's subject id")
    .requiredOption('--holder-key <hex>', "the holder's public key (their wallet key)")
    .option('--claims <json>', 'claims always shown, e.g. {"licence_no":"…"}')
    .option('--disclosable <json>', 'claims the holder may show or hide, e.g. {"company_name":"…"}')
    .option('--days <n>', 'validity in days (default: the type’s)')
    .option('--case <id>', 'the case the licence was decided in')
    .option('--out <file>', 'where to write the credential (default <id>.sdjwt)')
    .option('--key <file|id>', 'the seal key (role issuer)')
    .action(
      async (
        o: {
          type: string;
          holder: string;
          holderKey: string;
          claims?: string;
          disclosable?: string;
          days?: string;
          case?: string;
          out?: string;
        },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
        const seal = await resolveKey(g);
        const { genesis, suite } = await pinnedGenesis(g);
        const cert = genesis.members
          .map(certificateFromBase64)
          .find((der) => bytesToHex(parseCertificate(der).publicKey) === bytesToHex(seal.publicKey));
        if (cert === undefined) usage('the key is not a member of the genesis: no seal certificate for it');
        const type = credentialsConfigOf(configOfGenesis(genesis)).types.find((t) => t.id === o.type);
        const days = o.days === undefined ? (type?.validityDays ?? 365) : Number(o.days);
        if (!Number.isSafeInteger(days) || days < 1) usage('--days must be a whole number of days');
        const info = await getChainInfo(await client(g));
        const now = Date.now();
        const c = issueCredential(suite, {
          chainId: info.chainId,
          type: o.type,
          sealCertificate: cert,
          sealSecretKey: seal.secretKey,
          org: seal.org,
          holderSubject: o.holder,
          holderPublicKey: hexToBytes(o.holderKey, '--holder-key'),
          validFrom: now,
          validUntil: now + days * DAY,
          issuedAt: now,
          claims: o.claims === undefined ? {} : jsonObjectOption(o.claims, '--claims'),
          disclosable: o.disclosable === undefined ? {} : jsonObjectOption(o.disclosable, '--disclosable'),
        });
        const r = await submitAndReport(g, seal, 'credential', 'issue', {
          id: c.id,
          type: o.type,
          holder: o.holder,
          digest: c.digest,
          validFrom: now,
          validUntil: now + days * DAY,
          ...(o.case === undefined ? {} : { case: o.case }),
        });
        if (!r.ok) return;
        const out = o.out ?? `${c.id}.sdjwt`;
        await writeFile(out, `${c.sdJwt}\n`, { mode: 0o600 });
        process.stderr.write(`credential ${c.id} written to ${out} (it holds personal data: give it to the holder)\n`);
      },
    );

  cr.command('present <credential>')
    .description('show chosen claims of your credential to a verifier, bound to its nonce (prints the presentation)')
    .requiredOption('--aud <verifier>', "the verifier's id or URL")
    .requiredOption('--nonce <nonce>', "the verifier's nonce")
    .option('--disclose <names>', 'claims to show, comma-separated (default: none besides the visible ones)', '')
    .option('--with-status', 'attach the status and its proof from the node (for a verifier offline)')
    .option('--out <file>', 'write it to a file')
    .option('--key <file|id>', 'your wallet key (the holder)')
    .action(
      async (
        file: string,
        o: { aud: string; nonce: string; disclose: string; withStatus?: boolean; out?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
        const key = await resolveKey(g);
        const { suite } = await pinnedGenesis(g);
        const sdJwt = await textOf(file);
        const presentation = presentSdJwt(suite, sdJwt, o.disclose.split(',').filter(Boolean), {
          secretKey: key.secretKey,
          aud: o.aud,
          nonce: o.nonce,
          iat: Math.floor(Date.now() / 1000),
        });
        let text = presentation;
        if (o.withStatus) {
          const id = String(parseSdJwt(suite, sdJwt).jws.payload.jti);
          const status = await getState(await client(g), 'credential', credentialKeys.anchor(id), { proof: true });
          text = JSON.stringify({ presentation, status });
        }
        if (o.out !== undefined) await writeFile(o.out, `${text}\n`);
        else process.stdout.write(`${text}\n`);
      },
    );

  cr.command('verify <presentation>')
    .description(
      'verify a presentation (a file, a bundle, or the text of a QR code) against the pinned genesis: seal, signature, ' +
        'holder, nonce, disclosures and status — offline when the bundle carries the status proof',
    )
    .requiredOption('--aud <verifier>', 'your id or URL, as the holder was told')
    .requiredOption('--nonce <nonce>', 'the nonce you gave the holder')
    .option('--max-status-age-hours <n>', 'refuse a status older than this (default 24)')
    .option('--min-checkpoint <height>', 'refuse a status from a block older than one you have seen')
    .action(
      async (
        input: string,
        o: { aud: string; nonce: string; maxStatusAgeHours?: string; minCheckpoint?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const { genesis, suite, trust } = await pinnedGenesis(g);
        const text = await textOf(input);
        const { presentation, status: attached } = presentationOf(
          /^https?:\/\//.test(text) ? await presentationFromQrText(text) : text,
        );
        const status =
          attached ??
          (await getState(
            await client(g),
            'credential',
            credentialKeys.anchor(String(parseSdJwt(suite, presentation).jws.payload.jti)),
            { proof: true },
          ));
        const view = new ConsortiumView(suite, { version: 1, config: configOfGenesis(genesis) });
        const v = verifyCredentialPresentation(suite, trust, view, presentation, status, {
          aud: o.aud,
          nonce: o.nonce,
          now: Date.now(),
          ...(o.maxStatusAgeHours === undefined ? {} : { maxStatusAgeMs: Number(o.maxStatusAgeHours) * 3_600_000 }),
          ...(o.minCheckpoint === undefined ? {} : { minCheckpointHeight: Number(o.minCheckpoint) }),
        });
        const shown = Object.entries(v.claims).filter(
          ([k]) => !['iss', 'vct', 'jti', 'sub', 'iat', 'nbf', 'exp', 'cnf'].includes(k),
        );
        print(
          g,
          [
            `✓ valid ${v.type} issued by ${v.org} to ${v.holder}`,
            `  valid ${formatTime(v.validFrom)} — ${formatTime(v.validUntil)}; status at block ${v.checkpointHeight} (${formatTime(v.checkpointTime)})`,
            ...shown.map(([k, x]) => `  ${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`),
          ].join('\n'),
          v,
        );
      },
    );

  cr.command('inbox')
    .description('licences issued to you and waiting on the node to be collected (sign in with --key)')
    .option('--key <file|id>', 'your key (the one you applied with)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      const key = await resolveKey(g);
      const { genesis } = await pinnedGenesis(g);
      const wallet = walletOf(await sessionClient(g, key), genesis, key, '');
      const waiting = await wallet.inbox();
      print(
        g,
        waiting.length === 0
          ? 'nothing waiting'
          : waiting.map((a) => `${a.type} ${a.id} from ${a.org}, case ${a.case ?? '-'} (block ${a.height})`).join('\n'),
        { credentials: waiting },
      );
    });

  cr.command('collect [id]')
    .description(
      'collect waiting licences into your wallet directory (each checked against the pinned genesis and bound to your key); the node then destroys its copy',
    )
    .option('--key <file|id>', 'your key (the one you applied with)')
    .option('--wallet <dir>', 'where to keep them (default <home>/wallet/<key id>)')
    .action(async (id: string | undefined, o: { wallet?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      const key = await resolveKey(g);
      const { genesis } = await pinnedGenesis(g);
      const dir = o.wallet ?? path.join(resolveHome(g.home), 'wallet', key.id);
      const wallet = walletOf(await sessionClient(g, key), genesis, key, dir);
      const got = id === undefined ? await wallet.collectAll() : [await wallet.collect(id)];
      print(
        g,
        got.length === 0
          ? 'nothing waiting'
          : got
              .map((c) =>
                [
                  `✓ ${c.type} ${c.id} from ${c.org} → ${path.join(dir, `${c.id}.sdjwt`)}`,
                  ...Object.entries(c.shown).map(
                    ([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
                  ),
                  ...Object.keys(c.disclosable).map((k) => `  ${k}: (you choose whether to show it)`),
                ].join('\n'),
              )
              .join('\n'),
        { collected: got, wallet: dir },
      );
    });

  cr.command('qr <presentation>')
    .description(
      'the text of a QR code for a presentation: the presentation itself when short enough, else a 10-minute link the node keeps',
    )
    .option('--inline-max <chars>', `longest presentation carried in the code itself (default ${QR_INLINE_MAX})`)
    .action(async (input: string, o: { inlineMax?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { presentation } = presentationOf(await textOf(input));
      const c = await client(g);
      const text = await presentationQrText(
        c,
        await resolveUrl(g),
        presentation,
        o.inlineMax === undefined ? QR_INLINE_MAX : Number(o.inlineMax),
      );
      print(g, text, { qr: text, inline: text === presentation });
    });

  cr.command('list')
    .description(
      'the licences a department issued, newest first, with their status now (sign in with --key: a registrar, admin or auditor of the department)',
    )
    .option('--key <file|id>', 'a registrar, admin or auditor of the issuing department')
    .option('--org <org>', "the issuing department (default: the key's)")
    .option('--status <status>', CREDENTIAL_EFFECTIVE_STATUSES.join(', '))
    .option('--type <type>', 'one credential type, e.g. business-licence')
    .option('--limit <n>', 'at most n (1–200, default 50)')
    .option('--cursor <cursor>', 'the next page (printed at the end of a page)')
    .action(
      async (o: { org?: string; status?: string; type?: string; limit?: string; cursor?: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
        if (o.status !== undefined && !isCredentialEffectiveStatus(o.status)) {
          usage(`--status must be one of ${CREDENTIAL_EFFECTIVE_STATUSES.join(', ')}`);
        }
        const key = await resolveKey(g);
        const page = await getCredentials(await sessionClient(g, key), {
          ...(o.org === undefined ? {} : { org: o.org }),
          ...(o.status === undefined || !isCredentialEffectiveStatus(o.status) ? {} : { status: o.status }),
          ...(o.type === undefined ? {} : { type: o.type }),
          ...(o.limit === undefined ? {} : { limit: positiveInt(o.limit, '--limit') }),
          ...(o.cursor === undefined ? {} : { cursor: o.cursor }),
        });
        const rows = page.items.map((c) => [
          c.id,
          c.type,
          c.status,
          `${formatTime(c.validFrom)} — ${formatTime(c.validUntil)}`,
          c.case ?? '-',
          String(c.height),
        ]);
        const human = [
          `${page.org}: ${page.total} licence(s) at block ${page.height}`,
          ...(rows.length === 0 ? [] : ['', renderTable(['id', 'type', 'status', 'valid', 'case', 'block'], rows)]),
          ...(page.next === undefined ? [] : ['', `more: --cursor ${page.next}`]),
        ].join('\n');
        print(g, human, page);
      },
    );

  cr.command('status <id>')
    .description('the status of a credential on chain (valid / suspended / revoked, with its history)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const v = await getState(await client(g), 'credential', credentialKeys.anchor(id));
      const a = v.value as unknown as CredentialAnchor;
      print(
        g,
        [
          `${a.type} ${a.id}: ${a.status}${a.reason === undefined ? '' : ` (${CREDENTIAL_REASONS[a.reason]?.zh ?? a.reason})`}`,
          `  issued by ${a.org} in block ${a.height}, valid ${formatTime(a.validFrom)} — ${formatTime(a.validUntil)}`,
          ...a.history.map((h) => `  ${formatTime(h.time)} ${h.status} (${h.reason}) block ${h.height}`),
        ].join('\n'),
        a,
      );
    });

  for (const method of ['suspend', 'reinstate', 'revoke'] as const) {
    cr.command(`${method} <id>`)
      .description(`${method} a credential of your department, with a reason code`)
      .requiredOption('--reason <code>', `one of ${Object.keys(CREDENTIAL_REASONS).join(', ')}`)
      .option('--key <file|id>', 'a registrar or admin of the issuing department')
      .action(async (id: string, o: { reason: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
        await submitAndReport(
          g,
          await resolveKey(g),
          'credential',
          method,
          { id, reason: o.reason },
          {
            describe: (r) => `credential ${(r as { status: string }).status}`,
          },
        );
      });
  }
}
