import { type JsonObject, parseJsonStrict } from '@lianzheng/protocol';
import { getProposal, getProposals } from '@lianzheng/sdk';
import type { Command } from 'commander';
import { type GlobalOptions, print, resolveKey, sessionClient, submitAndReport, usage } from '../context.js';

function parseAction(text: string): JsonObject {
  try {
    const v = parseJsonStrict(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    usage(
      `--action ${text.slice(0, 40)}…: expected a JSON object such as {"type":"setPolicy","key":"kv.put","policy":"anyone"}`,
    );
  }
}

interface ProposalView {
  readonly id: string;
  readonly org: string;
  readonly status: string;
  readonly actions: { type: string }[];
  readonly votes: Record<string, { approve: boolean }>;
  readonly expiresAt: number;
  readonly note?: string;
  readonly configVersion?: number;
  readonly failure?: { code: string; message: string };
}

function line(p: ProposalView): string {
  const yes = Object.entries(p.votes)
    .filter(([, v]) => v.approve)
    .map(([o]) => o);
  const no = Object.entries(p.votes)
    .filter(([, v]) => !v.approve)
    .map(([o]) => o);
  return (
    `${p.id.slice(0, 16)}… ${p.status.padEnd(9)} by ${p.org.padEnd(11)} ${p.actions.map((a) => a.type).join(', ')}` +
    `  yes: ${yes.join(',') || '—'}  no: ${no.join(',') || '—'}  expires ${new Date(p.expiresAt).toISOString()}` +
    (p.note === undefined ? '' : `\n    ${p.note}`)
  );
}

export function registerGov(program: Command): void {
  const gov = program
    .command('gov')
    .description(
      'consortium governance: propose configuration changes, vote, withdraw, list (docs/identity.md §Governance)',
    );

  gov
    .command('propose')
    .description(
      'propose one or more actions (addOrg, removeOrg, updateOrg, setCa, setPolicy, setGovernance, setRoles, setLimits, deployContract)',
    )
    .requiredOption(
      '--action <json>',
      'an action as JSON (repeatable; applied together)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--note <text>', 'why (shown to the voters)')
    .option('--ttl-days <days>', 'how long the proposal stays open (at most the configured maximum)', (v) =>
      Number.parseFloat(v),
    )
    .option('--key <file|id>', 'an admin key (default: the home organisation admin key)')
    .action(async (opts: { action: string[]; note?: string; ttlDays?: number; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.action.length === 0) usage('give at least one --action');
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(
        g,
        key,
        'gov',
        'propose',
        {
          actions: opts.action.map(parseAction),
          ...(opts.note === undefined ? {} : { note: opts.note }),
          ...(opts.ttlDays === undefined ? {} : { ttlMs: Math.round(opts.ttlDays * 86_400_000) }),
        },
        {
          describe: (r) =>
            `proposal ${(r as { proposal: string; status: string }).proposal} is ${(r as { status: string }).status}`,
        },
      );
    });

  gov
    .command('vote <proposal>')
    .description('vote for your organisation (one vote per organisation, by an admin)')
    .option('--yes', 'approve')
    .option('--no', 'reject')
    .option('--key <file|id>', 'an admin key (default: the home organisation admin key)')
    .action(async (proposal: string, opts: { yes?: boolean; no?: boolean; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      if (opts.yes === opts.no) usage('say --yes or --no');
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(
        g,
        key,
        'gov',
        'vote',
        { proposal, approve: opts.yes === true },
        {
          describe: (r) => {
            const out = r as { status: string; configVersion?: number };
            return `voted; the proposal is ${out.status}${out.configVersion === undefined ? '' : ` — configuration version ${out.configVersion} from the next block`}`;
          },
        },
      );
    });

  gov
    .command('withdraw <proposal>')
    .description('withdraw an open proposal of your organisation')
    .option('--key <file|id>', 'an admin key (default: the home organisation admin key)')
    .action(async (proposal: string, opts: { key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(g, key, 'gov', 'withdraw', { proposal }, { describe: () => 'withdrawn' });
    });

  gov
    .command('list')
    .description('proposals, newest first (signs in with --key)')
    .option('--status <status>', 'open, approved, rejected, withdrawn, expired or failed')
    .option('--key <file|id>', 'sign in with this key (default: the home organisation admin key)')
    .action(async (opts: { status?: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const c = await sessionClient(
        g,
        await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) }),
      );
      const { proposals } = await getProposals(c, opts.status);
      print(g, (proposals as unknown as ProposalView[]).map(line).join('\n') || 'no proposals', proposals);
    });

  gov
    .command('show <proposal>')
    .description('one proposal with its actions and votes')
    .option('--key <file|id>', 'sign in with this key (default: the home organisation admin key)')
    .action(async (id: string, opts: { key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const c = await sessionClient(
        g,
        await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) }),
      );
      const p = await getProposal(c, id);
      print(g, JSON.stringify(p, null, 2), p);
    });
}
