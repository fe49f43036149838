import type { KeyPair } from '@lianzheng/node';
import { type JsonValue, parseJsonStrict, type RecordReader } from '@lianzheng/protocol';
import {
  type Client,
  getAccessLog,
  getChainInfo,
  getMyPrivacy,
  getPrivacyCatalogue,
  type PrivacySigner,
  readPersonal,
  registerPersonal,
  verifyAccessLogItem,
} from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  client,
  formatTime,
  type GlobalOptions,
  pinnedGenesis,
  print,
  resolveKey,
  sessionClient,
  signerOf,
  submitAndReport,
  usage,
} from '../context.js';

const repeat = (v: string, acc: string[]) => [...acc, v];

/** `org:purpose,purpose[:role,role]` → a reader of the record's policy. */
function reader(spec: string): RecordReader {
  const [org, purposes, roles] = spec.split(':');
  if (org === undefined || org === '' || purposes === undefined || purposes === '') {
    usage(`--reader ${spec}: write org:purpose[,purpose…][:role[,role…]]`);
  }
  return {
    org,
    purposes: purposes.split(','),
    ...(roles === undefined || roles === '' ? {} : { roles: roles.split(',') }),
  };
}

function parseValue(text: string): JsonValue {
  try {
    return parseJsonStrict(text);
  } catch {
    return text;
  }
}

export async function privacySigner(key: KeyPair, c: Client): Promise<PrivacySigner> {
  const { signer, suite } = signerOf(key);
  const info = await getChainInfo(c);
  return { suite, chainId: info.chainId, publicKey: key.publicKey, sign: signer };
}

export function registerPrivacy(program: Command): void {
  const pv = program
    .command('privacy')
    .description(
      'personal data (个人信息): off chain, purpose-bound reads on the record, consent, erasure (docs/privacy.md)',
    );

  pv.command('catalogue')
    .description('data categories and the purposes personal data may be read for, with their legal bases')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const cat = await getPrivacyCatalogue(await client(g));
      const lines = [
        'categories:',
        ...cat.categories.map((c) => `  ${c.id.padEnd(26)} ${c.title.zh}`),
        'purposes:',
        ...cat.purposes.map(
          (p) =>
            `  ${p.id.padEnd(26)} ${p.title.zh} — ${p.legalBasis.zh}\n${' '.repeat(29)}categories ${p.categories.join(', ')}` +
            `${p.roles === undefined ? '' : `; roles ${p.roles.join(', ')}`}${p.case ? '; for a case' : ''}${p.consentOnly ? '; only with consent' : ''}`,
        ),
        `published statistics: cells under k = ${cat.kAnonymity} are suppressed`,
      ];
      print(g, lines.join('\n'), cat);
    });

  pv.command('register')
    .description('register a personal record: the node keeps it encrypted, the chain gets its commitment')
    .requiredOption('--value <json|text>', 'the personal value (a string, or a JSON object of fields)')
    .requiredOption('--category <id>', 'data category (see `privacy catalogue`)')
    .requiredOption('--subject <id>', 'pseudonymous subject id of the person')
    .option('--org <id>', 'the organisation the record is for (citizens registering their own data)')
    .option('--reader <org:purposes[:roles]>', 'who may read it for which purposes (repeatable)', repeat, [])
    .option('--key <file|id>', 'signing key')
    .action(
      async (o: { value: string; category: string; subject: string; org?: string; reader: string[] }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
        if (o.reader.length === 0) usage('name at least one --reader org:purpose');
        const key = await resolveKey(g);
        const c = await client(g);
        const r = await registerPersonal(c, await privacySigner(key, c), {
          value: parseValue(o.value),
          category: o.category,
          subject: o.subject,
          ...(o.org === undefined ? {} : { org: o.org }),
          policy: o.reader.map(reader),
        });
        print(
          g,
          `record ${r.record}\n  registered in block ${r.height} (tx ${r.tx}); only the commitment is on chain`,
          r,
        );
      },
    );

  pv.command('read <record>')
    .description(
      'read a record for a purpose: the read is recorded on chain (allowed or denied) before anything is shown',
    )
    .requiredOption('--purpose <id>', 'purpose from the catalogue (self-access: your own record)')
    .option('--case <id>', 'the case the read is for (purpose case-handling)')
    .option('--reference <text>', 'a file number or note (no personal data)')
    .option('--key <file|id>', 'signing key')
    .action(async (record: string, o: { purpose: string; case?: string; reference?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      const key = await resolveKey(g);
      const c = await sessionClient(g, key);
      const r = await readPersonal(c, await privacySigner(key, c), {
        record,
        purpose: o.purpose,
        ...(o.case === undefined ? {} : { case: o.case }),
        ...(o.reference === undefined ? {} : { reference: o.reference }),
      });
      print(
        g,
        `${typeof r.value === 'string' ? r.value : JSON.stringify(r.value, null, 2)}\n  (this read is recorded in block ${r.height}, tx ${r.tx})`,
        r,
      );
    });

  pv.command('log')
    .description(
      '数据访问记录: who read your data, when and why; --verify checks every proof against the pinned genesis',
    )
    .option('--verify', 'verify each entry’s proof offline against genesis.json')
    .option('--key <file|id>', 'your key (citizen or enterprise)')
    .action(async (o: { verify?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      const key = await resolveKey(g);
      const c = await sessionClient(g, key);
      const items = [];
      let after: string | undefined;
      do {
        const page = await getAccessLog(c, after === undefined ? {} : { after });
        items.push(...page.entries);
        after = page.next;
      } while (after !== undefined);
      let verified = 0;
      if (o.verify) {
        const { suite, trust } = await pinnedGenesis(g);
        for (const item of items) {
          verifyAccessLogItem(suite, trust, item);
          verified++;
        }
      }
      const lines = items.map(({ entry: e }) => {
        const who = e.reader.member ?? e.reader.key.slice(0, 12);
        const outcome = e.decision === 'allowed' ? '允许 allowed' : `拒绝 denied (${e.code})`;
        return `${formatTime(e.time)}  ${(e.reader.org ?? e.reader.kind).padEnd(11)} ${who.padEnd(20)} ${e.purpose.padEnd(24)} ${e.category.padEnd(10)} ${outcome}${e.case === undefined ? '' : `  case ${e.case.slice(0, 12)}`}`;
      });
      const tail = o.verify ? `\n${verified} of ${items.length} entries verified against the pinned genesis` : '';
      print(g, `${lines.join('\n') || '(nobody has read your data)'}${tail}`, { entries: items, verified });
    });

  pv.command('mine')
    .description('your personal records (what the chain holds about them) and your consents')
    .option('--key <file|id>', 'your key (citizen or enterprise)')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      const c = await sessionClient(g, await resolveKey(g));
      const m = await getMyPrivacy(c);
      const lines = [
        `subject ${m.subject}`,
        ...m.records.map(
          (r) => `  record ${r.id.slice(0, 16)}…  ${r.category.padEnd(10)} ${r.org.padEnd(11)} ${r.status}`,
        ),
        ...m.consents.map(
          (x) =>
            `  consent ${x.id}  ${x.org} may use ${x.purpose}${x.category ? ` (${x.category})` : ''}  ${x.active ? 'active' : 'ended'}`,
        ),
      ];
      print(g, lines.join('\n'), m);
    });

  const consent = pv.command('consent').description('数据授权: allow an organisation a purpose, or withdraw it');
  consent
    .command('grant')
    .requiredOption('--org <id>', 'organisation')
    .requiredOption('--purpose <id>', 'purpose from the catalogue')
    .option('--category <id>', 'only this data category')
    .option('--record <id>', 'only this record')
    .option('--days <n>', 'lapses after this many days')
    .option('--key <file|id>', 'your key (citizen or enterprise)')
    .action(
      async (o: { org: string; purpose: string; category?: string; record?: string; days?: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
        await submitAndReport(
          g,
          await resolveKey(g),
          'privacy',
          'grantConsent',
          {
            org: o.org,
            purpose: o.purpose,
            ...(o.category === undefined ? {} : { category: o.category }),
            ...(o.record === undefined ? {} : { record: o.record }),
            ...(o.days === undefined ? {} : { until: Date.now() + Number(o.days) * 86_400_000 }),
          },
          { describe: (r) => `consent ${(r as { consent: string }).consent} granted` },
        );
      },
    );
  consent
    .command('revoke <consent>')
    .option('--at-height <n>', 'from this height (default: the next block)')
    .option('--key <file|id>', 'your key (citizen or enterprise)')
    .action(async (id: string, o: { atHeight?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      await submitAndReport(
        g,
        await resolveKey(g),
        'privacy',
        'revokeConsent',
        { consent: id, ...(o.atHeight === undefined ? {} : { atHeight: Number(o.atHeight) }) },
        { describe: (r) => `revoked from height ${(r as { revokedAt: number }).revokedAt}` },
      );
    });

  const erase = pv.command('erase').description('erasure (PIPL art. 47): ask, then the holding organisation decides');
  erase
    .command('request <record>')
    .option('--reason <text>', 'why (no personal data)')
    .option('--key <file|id>', 'the person concerned, or a member of the holding organisation')
    .action(async (record: string, o: { reason?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      await submitAndReport(g, await resolveKey(g), 'privacy', 'requestErasure', {
        record,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      });
    });
  erase
    .command('decide <record>')
    .option('--approve', 'erase it: every node destroys its key material')
    .option('--refuse <reason>', 'keep it, with the legal reason')
    .option('--key <file|id>', 'security or system administrator of the holding organisation')
    .action(async (record: string, o: { approve?: boolean; refuse?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      if ((o.approve === true) === (o.refuse !== undefined))
        usage('give exactly one of --approve or --refuse <reason>');
      await submitAndReport(
        g,
        await resolveKey(g),
        'privacy',
        'decideErasure',
        { record, approve: o.approve === true, ...(o.refuse === undefined ? {} : { comment: o.refuse }) },
        { describe: (r) => ((r as { erased: boolean }).erased ? 'erased on every node that held it' : 'refused') },
      );
    });

  pv.command('store')
    .description("this node's private-data store against the chain (operators): counts, missing, orphaned, mismatched")
    .option('--decrypt', 'also decrypt every record and check it against its commitment')
    .option('--rotate', 'rotate the master key (no downtime): new key, every data key rewrapped, old key destroyed')
    .option('--key <file|id>', "an administrator of the node's organisation")
    .action(async (o: { decrypt?: boolean; rotate?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & { key?: string }>();
      const c = await sessionClient(g, await resolveKey(g));
      if (o.rotate) {
        const r = await c.transport.request<{ version: number; records: number }>(
          'POST',
          '/v1/privacy/store/rotate',
          '{}',
        );
        print(g, `master key rotated to version ${r.version}; ${r.records} data keys rewrapped`, r);
        return;
      }
      const r = await c.transport.request<
        Record<string, unknown> & { missing: string[]; orphans: string[]; mismatched: string[] }
      >('GET', `/v1/privacy/store${o.decrypt ? '?decrypt=true' : ''}`);
      print(
        g,
        `master key v${r.masterVersion}; ${r.records} records, ${r.pending} staged; missing ${r.missing.length}, orphaned ${r.orphans.length}, mismatched ${r.mismatched.length}`,
        r,
      );
      if (r.missing.length + r.orphans.length + r.mismatched.length > 0) process.exitCode = 1;
    });
}
