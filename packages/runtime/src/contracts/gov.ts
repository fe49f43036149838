/**
 * `gov`: consortium governance. The configuration lives under `gov` / `config`; organisation admins propose changes
 * and vote (one vote per organisation, the proposer's organisation approving by proposing); when the approvals meet
 * the governance rule the actions are applied and the new configuration governs the blocks after this one.
 * A change that would leave the consortium unable to reach its own quorum is refused (GOV_QUORUM_UNREACHABLE).
 */
import {
  assertConsortiumConfig,
  assertPolicy,
  bytesToHex,
  CONTRACT_PATTERN,
  type ConfigRecord,
  type ConsortiumConfig,
  canonicalize,
  DEFAULT_CONTRACT_FUEL,
  GOV_ACTION_TYPES,
  isLianzhengError,
  type JsonObject,
  type JsonValue,
  LianzhengError,
  type NodeEntry,
  needMet,
  type OrgConfig,
  POLICY_KEY_PATTERN,
  type Policy,
  policyOrgs,
  type QuorumNeed,
  reachabilityProblems,
  utf8ToBytes,
} from '@lianzheng/protocol';
import { runtimeError } from '../errors.js';
import { assertWorkflowDefinition, type WorkflowDefinition } from '../workflows/definition.js';
import {
  argBoolean,
  argOptionalInt,
  argString,
  argsObject,
  type CallContext,
  type SystemContract,
} from './contract.js';
import { callerOf, type UserContractRecord, type UserContracts } from './user.js';
import { workflowKeys } from './workflow.js';

export const GOV_CONTRACT = 'gov';
export const GOV_CONFIG_KEY = 'config';
export const govKeys = {
  config: GOV_CONFIG_KEY,
  proposal: (id: string) => `proposal/${id}`,
  contract: (name: string) => `contract/${name}`,
  source: (name: string, version: number) => `source/${name}/${version}`,
  code: (name: string, version: number) => `code/${name}/${version}`,
} as const;

/** Names user contracts may not take. */
export const SYSTEM_CONTRACT_NAMES = ['gov', 'identity', 'notary', 'kv', 'sys', 'workflow', 'records'] as const;

export type GovAction =
  | { readonly type: 'addOrg'; readonly org: OrgConfig }
  | { readonly type: 'removeOrg'; readonly org: string }
  | {
      readonly type: 'updateOrg';
      readonly org: string;
      readonly name?: string;
      readonly nameEn?: string;
      readonly weight?: number;
      readonly nodes?: readonly NodeEntry[];
    }
  | { readonly type: 'setCa'; readonly org: string; readonly ca: readonly string[] }
  | { readonly type: 'setPolicy'; readonly key: string; readonly policy: Policy | null }
  | { readonly type: 'setGovernance'; readonly need?: QuorumNeed; readonly proposalTtlMs?: number }
  | { readonly type: 'setRoles'; readonly exclusive: readonly (readonly string[])[] }
  | {
      readonly type: 'setLimits';
      readonly maxTxBytes?: number;
      readonly maxTxTtlMs?: number;
      readonly maxBlockTxs?: number;
      readonly contractFuel?: number;
    }
  | {
      readonly type: 'deployContract';
      readonly name: string;
      readonly version: number;
      readonly language: 'javascript' | 'typescript';
      /** The text as written. */
      readonly source: string;
      /** The JavaScript the sandbox runs (TypeScript compiled by the proposer); for JavaScript, `source` if absent. */
      readonly code?: string;
    }
  | { readonly type: 'deployWorkflow'; readonly definition: WorkflowDefinition };

export type ProposalStatus = 'open' | 'approved' | 'rejected' | 'failed' | 'withdrawn';

export interface Vote {
  readonly approve: boolean;
  readonly key: string;
  readonly member: string;
  readonly height: number;
}

export interface ProposalRecord {
  readonly id: string;
  readonly proposer: string;
  readonly org: string;
  readonly actions: readonly GovAction[];
  readonly note?: string;
  readonly height: number;
  readonly time: number;
  readonly expiresAt: number;
  /** Configuration version the proposal was checked against. */
  readonly baseVersion: number;
  readonly votes: Readonly<Record<string, Vote>>;
  readonly status: ProposalStatus;
  readonly decidedAt?: number;
  /** Configuration version the proposal produced, when approved and it changed the configuration. */
  readonly configVersion?: number;
  readonly failure?: { readonly code: string; readonly message: string };
}

/** Deployment record of a user contract (run in the sandbox: user.ts). */
export type ContractDeployment = UserContractRecord;

const MAX_ACTIONS = 32;

function actionInvalid(index: number, message: string, extra: Record<string, unknown> = {}): never {
  throw runtimeError('GOV_ACTION_INVALID', `action ${index}: ${message}`, { action: index, ...extra });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Shape of the actions list (their effect is checked by applying them to the configuration). */
function parseActions(value: unknown): GovAction[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ACTIONS) {
    throw runtimeError('ARGS_INVALID', `args.actions must be a list of 1–${MAX_ACTIONS} actions`, {
      field: 'args.actions',
    });
  }
  return value.map((a: unknown, i: number) => {
    if (!isRecord(a) || !(GOV_ACTION_TYPES as readonly unknown[]).includes(a.type)) {
      actionInvalid(i, `type must be one of ${GOV_ACTION_TYPES.join(', ')}`);
    }
    const allowed: Record<(typeof GOV_ACTION_TYPES)[number], readonly string[]> = {
      addOrg: ['org'],
      removeOrg: ['org'],
      updateOrg: ['org', 'name', 'nameEn', 'weight', 'nodes'],
      setCa: ['org', 'ca'],
      setPolicy: ['key', 'policy'],
      setGovernance: ['need', 'proposalTtlMs'],
      setRoles: ['exclusive'],
      setLimits: ['maxTxBytes', 'maxTxTtlMs', 'maxBlockTxs', 'contractFuel'],
      deployContract: ['name', 'version', 'language', 'source', 'code'],
      deployWorkflow: ['definition'],
    };
    const type = a.type as (typeof GOV_ACTION_TYPES)[number];
    for (const k of Object.keys(a)) {
      if (k !== 'type' && !allowed[type].includes(k)) actionInvalid(i, `unknown field ${k}`);
    }
    if (type === 'addOrg' && !isRecord(a.org)) actionInvalid(i, 'org must be an organisation object');
    if (type !== 'addOrg' && allowed[type].includes('org') && typeof a.org !== 'string') {
      actionInvalid(i, 'org must be an organisation id');
    }
    if (type === 'setPolicy') {
      if (typeof a.key !== 'string' || !POLICY_KEY_PATTERN.test(a.key)) {
        actionInvalid(i, 'key must be contract.method or contract.*');
      }
      if (a.policy !== null) assertPolicy(a.policy, undefined, `actions[${i}].policy`);
    }
    if (type === 'deployContract') {
      if (typeof a.name !== 'string' || !CONTRACT_PATTERN.test(a.name))
        actionInvalid(i, 'name must be a contract name');
      if ((SYSTEM_CONTRACT_NAMES as readonly string[]).includes(a.name as string)) {
        actionInvalid(i, `${String(a.name)} is a system contract name`);
      }
      if (!Number.isSafeInteger(a.version) || (a.version as number) < 1)
        actionInvalid(i, 'version must be an integer ≥ 1');
      if (a.language !== 'javascript' && a.language !== 'typescript') {
        actionInvalid(i, 'language must be javascript or typescript');
      }
      if (typeof a.source !== 'string' || a.source.length === 0)
        actionInvalid(i, 'source must be the contract source text');
      if (a.code !== undefined && (typeof a.code !== 'string' || a.code.length === 0)) {
        actionInvalid(i, 'code must be the compiled JavaScript');
      }
      if (a.language === 'typescript' && a.code === undefined) {
        actionInvalid(i, 'a TypeScript contract needs its compiled code (lianzheng contract propose compiles it)');
      }
    }
    if (type === 'deployWorkflow') {
      try {
        assertWorkflowDefinition(a.definition);
      } catch (error) {
        if (isLianzhengError(error))
          actionInvalid(i, error.message, { field: (error.details as { field?: string })?.field ?? '' });
        throw error;
      }
    }
    return a as unknown as GovAction;
  });
}

function orgIndex(config: ConsortiumConfig, org: string, i: number): number {
  const index = config.orgs.findIndex((o) => o.id === org);
  if (index < 0) actionInvalid(i, `no organisation ${org}`);
  return index;
}

/** The configuration after the actions (not yet validated). Deployments do not change it. */
export function applyActions(current: ConsortiumConfig, actions: readonly GovAction[]): ConsortiumConfig {
  let config: ConsortiumConfig = current;
  actions.forEach((a, i) => {
    switch (a.type) {
      case 'addOrg':
        if (config.orgs.some((o) => o.id === (a.org as { id?: unknown }).id)) {
          actionInvalid(i, `organisation ${String(a.org.id)} already exists`);
        }
        config = { ...config, orgs: [...config.orgs, a.org] };
        return;
      case 'removeOrg': {
        const index = orgIndex(config, a.org, i);
        config = { ...config, orgs: config.orgs.filter((_, j) => j !== index) };
        return;
      }
      case 'updateOrg': {
        const index = orgIndex(config, a.org, i);
        const { type: _t, org: _o, ...changes } = a;
        config = { ...config, orgs: config.orgs.map((o, j) => (j === index ? { ...o, ...changes } : o)) };
        return;
      }
      case 'setCa': {
        const index = orgIndex(config, a.org, i);
        config = { ...config, orgs: config.orgs.map((o, j) => (j === index ? { ...o, ca: a.ca } : o)) };
        return;
      }
      case 'setPolicy': {
        const policies: Record<string, Policy> = { ...config.policies };
        if (a.policy === null) {
          if (!Object.hasOwn(policies, a.key)) actionInvalid(i, `there is no policy ${a.key} to remove`);
          delete policies[a.key];
        } else policies[a.key] = a.policy;
        config = { ...config, policies };
        return;
      }
      case 'setGovernance':
        config = {
          ...config,
          governance: {
            need: a.need ?? config.governance.need,
            proposalTtlMs: a.proposalTtlMs ?? config.governance.proposalTtlMs,
          },
        };
        return;
      case 'setRoles':
        config = { ...config, roles: { exclusive: a.exclusive } };
        return;
      case 'setLimits':
        config = {
          ...config,
          limits: {
            maxTxBytes: a.maxTxBytes ?? config.limits.maxTxBytes,
            maxTxTtlMs: a.maxTxTtlMs ?? config.limits.maxTxTtlMs,
            ...(a.contractFuel !== undefined || config.limits.contractFuel !== undefined
              ? { contractFuel: a.contractFuel ?? config.limits.contractFuel }
              : {}),
          },
          ordering: { ...config.ordering, maxBlockTxs: a.maxBlockTxs ?? config.ordering.maxBlockTxs },
        };
        return;
      case 'deployContract':
      case 'deployWorkflow':
        return;
    }
  });
  return config;
}

/**
 * Applies the actions to the configuration and checks the result: well formed, same chain and suite, and still able
 * to reach its own decisions. Returns the new configuration, or undefined when the actions only deploy contracts.
 */
export function checkedChange(current: ConsortiumConfig, actions: readonly GovAction[]): ConsortiumConfig | undefined {
  if (actions.every((a) => a.type === 'deployContract' || a.type === 'deployWorkflow')) return undefined;
  const next = applyActions(current, actions);
  const checked = assertConsortiumConfig(next, current.suite);
  if (checked.chainId !== current.chainId) {
    throw runtimeError('GOV_ACTION_INVALID', 'the chain id cannot change', { field: 'chainId' });
  }
  if (checked.ordering.type !== current.ordering.type) {
    throw runtimeError('GOV_ACTION_INVALID', 'the ordering type cannot change by a proposal', { field: 'ordering' });
  }
  const problems = reachabilityProblems(checked);
  if (problems.length > 0) {
    throw runtimeError('GOV_QUORUM_UNREACHABLE', `refused: ${problems[0]}`, { problems });
  }
  return checked;
}

function currentConfig(ctx: CallContext): ConfigRecord {
  const record = ctx.get(GOV_CONFIG_KEY) as ConfigRecord | null;
  if (record === null) throw runtimeError('STATE_CORRUPT', 'the consortium configuration is missing from the state');
  return record;
}

function proposalRecord(ctx: CallContext, id: string): ProposalRecord {
  const p = ctx.get(govKeys.proposal(id)) as ProposalRecord | null;
  if (p === null) throw runtimeError('GOV_PROPOSAL_UNKNOWN', 'no proposal has this id', { proposal: id });
  return p;
}

/** The JavaScript a deployment runs. */
const codeOf = (a: { source: string; code?: string }): string => a.code ?? a.source;

/**
 * Checks the deployments of a proposal against the state: versions above the deployed ones, code that loads in the
 * sandbox and exports methods. Returns the methods of each deployment, by action index.
 */
function checkDeployments(ctx: CallContext, actions: readonly GovAction[]): Map<number, string[]> {
  const methods = new Map<number, string[]>();
  actions.forEach((a, i) => {
    if (a.type !== 'deployContract') return;
    const existing = ctx.get(govKeys.contract(a.name)) as ContractDeployment | null;
    if (existing !== null && existing.version >= a.version) {
      actionInvalid(i, `version must be above the deployed version ${existing.version}`, {
        deployed: existing.version,
      });
    }
    const host = ctx.userContracts;
    if (host === undefined) {
      throw new LianzhengError('SANDBOX_UNAVAILABLE', 'a contract deployment needs the sandbox to check the code');
    }
    methods.set(i, host.methods(codeOf(a), contractFuel(ctx)));
  });
  // Workflows: a version above the deployed one, and every contract they call deployed (now or by this proposal).
  actions.forEach((a, i) => {
    if (a.type !== 'deployWorkflow') return;
    const def = a.definition;
    const current = ctx.readOther(GOV_CONTRACT, workflowKeys.current(def.id)) as { version: number } | null;
    if (current !== null && current.version >= def.version) {
      actionInvalid(i, `version must be above the deployed version ${current.version}`, { deployed: current.version });
    }
    const calls = [
      ...(def.checks ?? []),
      ...Object.values(def.steps).flatMap((s) => s.checks ?? []),
      ...Object.values(def.outcomes).flatMap((o) => o.effects ?? []),
    ];
    for (const call of calls) {
      const j = actions.findIndex((x) => x.type === 'deployContract' && x.name === call.contract);
      const exported =
        j >= 0
          ? methods.get(j)
          : (ctx.readOther(GOV_CONTRACT, govKeys.contract(call.contract)) as ContractDeployment | null)?.methods;
      if (exported === undefined) actionInvalid(i, `the workflow calls ${call.contract}, which is not deployed`);
      if (!exported.includes(call.method)) actionInvalid(i, `${call.contract} has no method ${call.method}`);
    }
  });
  return methods;
}

const contractFuel = (ctx: CallContext): number => ctx.config.config.limits.contractFuel ?? DEFAULT_CONTRACT_FUEL;

/** Runs the new version's `migrate({ from, to })` when it replaces an older one and exports it. */
function migrate(ctx: CallContext, record: ContractDeployment, code: string, from: number): void {
  const host = ctx.userContracts as UserContracts;
  const out = host.invoke(ctx, {
    record,
    code,
    method: 'migrate',
    args: { from, to: record.version },
    context: {
      caller: callerOf(ctx.principal),
      cosigners: ctx.cosigners,
      txId: ctx.txId,
      height: ctx.height,
      time: ctx.time,
      contract: { name: record.name, version: record.version },
    },
    fuel: contractFuel(ctx),
  });
  if (out.status === 'failed') {
    throw runtimeError(
      'GOV_MIGRATION_FAILED',
      `the migration of ${record.name} to version ${record.version} failed: ${out.code} ${out.message}`,
      {
        contract: record.name,
        cause: out.code,
      },
    );
  }
}

/** Applies an approved proposal: new configuration (version + 1) and deployments. Returns the new version. */
function enact(ctx: CallContext, proposal: ProposalRecord): number | undefined {
  const record = currentConfig(ctx);
  const next = checkedChange(record.config, proposal.actions);
  const methods = checkDeployments(ctx, proposal.actions);
  proposal.actions.forEach((a, i) => {
    if (a.type !== 'deployContract') return;
    const code = codeOf(a);
    const previous = ctx.get(govKeys.contract(a.name)) as ContractDeployment | null;
    const deployment: ContractDeployment = {
      name: a.name,
      version: a.version,
      language: a.language,
      codeHash: bytesToHex(ctx.suite.hash(utf8ToBytes(code))),
      sourceHash: bytesToHex(ctx.suite.hash(utf8ToBytes(a.source))),
      methods: methods.get(i) ?? [],
      proposal: proposal.id,
      height: ctx.height,
    };
    ctx.put(govKeys.contract(a.name), deployment as unknown as JsonObject);
    ctx.put(govKeys.source(a.name, a.version), a.source);
    ctx.put(govKeys.code(a.name, a.version), code);
    if (previous !== null && deployment.methods?.includes('migrate')) migrate(ctx, deployment, code, previous.version);
    ctx.emit('contractDeployed', {
      name: a.name,
      version: a.version,
      codeHash: deployment.codeHash,
      ...(previous === null ? {} : { previous: previous.version }),
    });
  });
  for (const a of proposal.actions) {
    if (a.type !== 'deployWorkflow') continue;
    const def = a.definition;
    const text = canonicalize(def as unknown as JsonValue);
    ctx.put(workflowKeys.definition(def.id, def.version), def as unknown as JsonObject);
    ctx.put(workflowKeys.current(def.id), {
      id: def.id,
      version: def.version,
      hash: bytesToHex(ctx.suite.hash(utf8ToBytes(text))),
      proposal: proposal.id,
      height: ctx.height,
    });
    ctx.emit('workflowDeployed', { id: def.id, version: def.version });
  }
  if (next === undefined) return undefined;
  const version = record.version + 1;
  const nextRecord: ConfigRecord = { version, height: ctx.height, config: next };
  ctx.put(GOV_CONFIG_KEY, nextRecord as unknown as JsonObject);
  ctx.emit('configChanged', { version, proposal: proposal.id });
  return version;
}

/** Decides a proposal after a vote: approved (and enacted), rejected, or still open. */
function decide(ctx: CallContext, proposal: ProposalRecord): ProposalRecord {
  const config = currentConfig(ctx).config;
  const orgs = policyOrgs(config);
  const approving = new Set(
    Object.entries(proposal.votes)
      .filter(([, v]) => v.approve)
      .map(([o]) => o),
  );
  const need = config.governance.need;
  if (needMet(need, orgs, approving)) {
    const rollback = ctx.savepoint();
    try {
      const version = enact(ctx, proposal);
      const approved: ProposalRecord = { ...proposal, status: 'approved', decidedAt: ctx.height };
      return version === undefined ? approved : { ...approved, configVersion: version };
    } catch (error) {
      // The configuration changed since the proposal was made and the actions no longer apply: the proposal fails,
      // the votes stay on record.
      if (!isLianzhengError(error) || error.code === 'STATE_CORRUPT' || error.code === 'SANDBOX_UNAVAILABLE')
        throw error;
      // Nothing of a failed enactment stays: not the first deployments, not a half-run migration.
      rollback();
      return {
        ...proposal,
        status: 'failed',
        decidedAt: ctx.height,
        failure: { code: error.code, message: error.message },
      };
    }
  }
  // Object.hasOwn: votes is a plain object keyed by organisation id, and `constructor` is a valid id.
  const undecided = new Set(orgs.map((o) => o.id).filter((o) => !Object.hasOwn(proposal.votes, o)));
  if (!needMet(need, orgs, new Set([...approving, ...undecided]))) {
    return { ...proposal, status: 'rejected', decidedAt: ctx.height };
  }
  return proposal;
}

function vote(ctx: CallContext, approve: boolean): Vote {
  return { approve, key: ctx.signer, member: ctx.principal.member ?? '', height: ctx.height };
}

function save(ctx: CallContext, p: ProposalRecord): void {
  ctx.put(govKeys.proposal(p.id), p as unknown as JsonObject);
}

export const govContract: SystemContract = {
  name: GOV_CONTRACT,
  methods: {
    propose: {
      parseArgs(args) {
        argsObject(args, ['actions', 'ttlMs', 'note']);
        const actions = parseActions(args.actions);
        const ttlMs = argOptionalInt(args, 'ttlMs', 1000, 90 * 24 * 60 * 60 * 1000);
        const note = args.note === undefined ? undefined : argString(args, 'note', { max: 500 });
        return { actions, ttlMs, note };
      },
      execute(ctx, args: { actions: GovAction[]; ttlMs?: number; note?: string }) {
        if (ctx.org === '') throw runtimeError('POLICY_DENIED', 'only organisation members may propose');
        const record = currentConfig(ctx);
        // Refuse now what could never be enacted (malformed, quorum-breaking); re-checked when enacted.
        checkedChange(record.config, args.actions);
        checkDeployments(ctx, args.actions);
        const maxTtl = record.config.governance.proposalTtlMs;
        const ttl = Math.min(args.ttlMs ?? maxTtl, maxTtl);
        const base: ProposalRecord = {
          id: ctx.txId,
          proposer: ctx.signer,
          org: ctx.org,
          actions: args.actions,
          ...(args.note === undefined ? {} : { note: args.note }),
          height: ctx.height,
          time: ctx.time,
          expiresAt: ctx.time + ttl,
          baseVersion: record.version,
          votes: {},
          status: 'open',
        };
        const proposal = decide(ctx, { ...base, votes: { [ctx.org]: vote(ctx, true) } });
        save(ctx, proposal);
        ctx.emit('proposed', { proposal: proposal.id, org: ctx.org, expiresAt: proposal.expiresAt });
        if (proposal.status !== 'open') ctx.emit('decided', { proposal: proposal.id, status: proposal.status });
        return { proposal: proposal.id, status: proposal.status } as JsonValue;
      },
    },
    vote: {
      parseArgs(args) {
        argsObject(args, ['proposal', 'approve']);
        return {
          proposal: argString(args, 'proposal', { min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ }),
          approve: argBoolean(args, 'approve'),
        };
      },
      execute(ctx, args: { proposal: string; approve: boolean }) {
        const proposal = proposalRecord(ctx, args.proposal);
        if (proposal.status !== 'open') {
          throw runtimeError('GOV_PROPOSAL_CLOSED', `the proposal is ${proposal.status}`, { status: proposal.status });
        }
        if (ctx.time > proposal.expiresAt) {
          throw runtimeError('GOV_PROPOSAL_EXPIRED', 'the proposal has expired', { expiresAt: proposal.expiresAt });
        }
        if (ctx.org === '' || !ctx.config.orgs.has(ctx.org)) {
          throw runtimeError('POLICY_DENIED', 'only organisations of the consortium vote');
        }
        if (Object.hasOwn(proposal.votes, ctx.org)) {
          throw runtimeError('GOV_ALREADY_VOTED', `organisation ${ctx.org} has already voted`, { org: ctx.org });
        }
        const voted = { ...proposal, votes: { ...proposal.votes, [ctx.org]: vote(ctx, args.approve) } };
        const decided = decide(ctx, voted);
        save(ctx, decided);
        ctx.emit('voted', { proposal: proposal.id, org: ctx.org, approve: args.approve });
        if (decided.status !== 'open') ctx.emit('decided', { proposal: proposal.id, status: decided.status });
        return {
          status: decided.status,
          ...(decided.failure === undefined ? {} : { failure: decided.failure }),
          ...(decided.configVersion === undefined ? {} : { configVersion: decided.configVersion }),
        } as JsonValue;
      },
    },
    withdraw: {
      parseArgs(args) {
        argsObject(args, ['proposal']);
        return { proposal: argString(args, 'proposal', { min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ }) };
      },
      object(ctx, args: { proposal: string }) {
        const p = ctx.readOther(GOV_CONTRACT, govKeys.proposal(args.proposal)) as ProposalRecord | null;
        if (p === null)
          throw runtimeError('GOV_PROPOSAL_UNKNOWN', 'no proposal has this id', { proposal: args.proposal });
        return { org: p.org };
      },
      execute(ctx, args: { proposal: string }) {
        const proposal = proposalRecord(ctx, args.proposal);
        if (proposal.status !== 'open') {
          throw runtimeError('GOV_PROPOSAL_CLOSED', `the proposal is ${proposal.status}`, { status: proposal.status });
        }
        save(ctx, { ...proposal, status: 'withdrawn', decidedAt: ctx.height });
        ctx.emit('decided', { proposal: proposal.id, status: 'withdrawn' });
        return undefined;
      },
    },
  },
};

/** Status of a proposal as readers see it: an open proposal past its expiry reads as expired. */
export function proposalStatus(p: ProposalRecord, now: number): ProposalStatus | 'expired' {
  return p.status === 'open' && now > p.expiresAt ? 'expired' : p.status;
}
