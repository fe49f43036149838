/**
 * Read routes of approval workflows for the staff console and the portal (docs/workflows.md §API): the deployed
 * workflows and their forms (public: they describe public services), a civil servant's task inbox, case lists, case
 * detail with history, and an applicant's own cases. Acting, submitting and withdrawing are transactions
 * (`workflow.act`, `workflow.submit`, `workflow.withdraw`), sent to POST /v1/transactions like any other.
 */
import { type CaseSummaryView, type CaseView, LianzhengError, type Principal } from '@lianzheng/protocol';
import {
  type CaseRecord,
  GOV_CONTRACT,
  taskFor,
  WORKFLOW_CONTRACT,
  type WorkflowDefinition,
  workflowKeys,
} from '@lianzheng/runtime';
import type { FastifyRequest } from 'fastify';
import type { SessionManager } from '../auth.js';
import { nodeError } from '../errors.js';
import type { LianzhengNode } from '../lianzhengNode.js';
import { type ApiInstance, stateValue } from './identityRoutes.js';
import { errorResponses } from './schemas.js';

/** Cases read per listing request at most (the scan is over every case; docs/workflows.md notes the limit). */
const SCAN_LIMIT = 10_000;

export function registerWorkflowRoutes(
  app: ApiInstance,
  node: LianzhengNode,
  sessions: SessionManager<Principal>,
): void {
  const tags = ['workflow'];
  const definitions = new Map<string, WorkflowDefinition>();

  const definition = (id: string, version?: number): WorkflowDefinition | null => {
    const v =
      version ?? (stateValue(node, GOV_CONTRACT, workflowKeys.current(id)) as { version: number } | null)?.version;
    if (v === undefined) return null;
    const key = `${id}/${v}`;
    let def = definitions.get(key);
    if (def === undefined) {
      const value = stateValue(node, GOV_CONTRACT, workflowKeys.definition(id, v));
      if (value === null) return null;
      def = value as unknown as WorkflowDefinition;
      definitions.set(key, def);
    }
    return def;
  };

  const session = async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization;
    if (header === undefined)
      throw nodeError('SESSION_REQUIRED', 'sign in first and send Authorization: Bearer <token>');
    return (await sessions.authenticate(header)).identity;
  };

  const summary = (c: CaseRecord, extra: { party?: string } = {}): CaseSummaryView => {
    const def = definition(c.workflow, c.version);
    const step = c.step === undefined ? undefined : def?.steps[c.step];
    const now = node.clock.now();
    return {
      id: c.id,
      workflow: c.workflow,
      version: c.version,
      title: def?.title ?? c.workflow,
      status: c.status,
      ...(c.step === undefined ? {} : { step: c.step }),
      ...(step === undefined ? {} : { stepTitle: step.title }),
      ...(extra.party === undefined ? {} : { party: extra.party }),
      applicant: {
        kind: c.applicant.kind,
        ...(c.applicant.org === undefined ? {} : { org: c.applicant.org }),
        ...(c.applicant.member === undefined ? {} : { member: c.applicant.member }),
        ...(c.applicant.subject === undefined ? {} : { subject: c.applicant.subject }),
      },
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      ...(c.stepSince === undefined || c.status !== 'open' ? {} : { stepSince: c.stepSince }),
      ...(c.deadlineAt === undefined ? {} : { deadlineAt: c.deadlineAt }),
      overdue: c.deadlineAt !== undefined && now > c.deadlineAt,
      breached: c.breached,
      ...(c.outcome === undefined ? {} : { outcome: c.outcome }),
    };
  };

  /** Every case (newest last by id order is meaningless: sorted by creation time, then id). */
  const allCases = (): CaseRecord[] => {
    const out: CaseRecord[] = [];
    for (const key of node.stateKeys(WORKFLOW_CONTRACT, 'case/', { limit: SCAN_LIMIT })) {
      const c = stateValue(node, WORKFLOW_CONTRACT, key) as CaseRecord | null;
      if (c !== null) out.push(c);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  };

  const caseQuery = {
    type: 'object',
    properties: {
      status: { enum: ['open', 'approved', 'rejected', 'withdrawn'] },
      workflow: { type: 'string', maxLength: 64 },
    },
    additionalProperties: false,
  } as const;

  app.get(
    '/v1/workflows',
    { schema: { tags, summary: 'The deployed workflows (current versions): id, title, owner, description' } },
    async () => {
      const workflows = node
        .stateKeys(GOV_CONTRACT, 'workflow/')
        .map((key) => definition(key.slice('workflow/'.length)))
        .filter((d): d is WorkflowDefinition => d !== null)
        .map((d) => ({
          id: d.id,
          version: d.version,
          title: d.title,
          owner: d.owner,
          ...(d.description === undefined ? {} : { description: d.description }),
        }));
      return { workflows };
    },
  );

  app.get(
    '/v1/workflows/:id',
    {
      schema: {
        tags,
        summary: 'A workflow definition with its forms (JSON Schema) — what the console renders',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,63}$' } } },
        // A query string is text (the API does not coerce types): the version as digits, read as a number below.
        querystring: {
          type: 'object',
          properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } },
          additionalProperties: false,
        },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Querystring: { version?: string } }>) => {
      const version = request.query.version === undefined ? undefined : Number(request.query.version);
      const def = definition(request.params.id, version);
      if (def === null) {
        throw new LianzhengError('WORKFLOW_UNKNOWN', `no workflow ${request.params.id} is deployed`, {
          details: { workflow: request.params.id },
        });
      }
      return def;
    },
  );

  app.get(
    '/v1/workflow/inbox',
    {
      schema: {
        tags,
        summary: "The signed-in civil servant's tasks: open cases whose current step (or countersign party) is theirs",
        response: errorResponses,
      },
    },
    async (request) => {
      const me = await session(request);
      const orgs = node.consortium.policyOrgs;
      const now = { height: node.chain.info().height, time: node.clock.now() };
      const tasks: CaseSummaryView[] = [];
      for (const c of allCases()) {
        if (c.status !== 'open') continue;
        const def = definition(c.workflow, c.version);
        if (def === null) continue;
        const task = taskFor(me, orgs, def, c, now);
        if (task !== undefined) tasks.push(summary(c, task.party === undefined ? {} : { party: task.party }));
      }
      // Overdue first, then by deadline, then oldest.
      tasks.sort(
        (a, b) =>
          Number(b.overdue) - Number(a.overdue) ||
          (a.deadlineAt ?? Number.MAX_SAFE_INTEGER) - (b.deadlineAt ?? Number.MAX_SAFE_INTEGER) ||
          a.createdAt - b.createdAt,
      );
      return { tasks };
    },
  );

  app.get(
    '/v1/workflow/cases',
    {
      schema: {
        tags,
        summary: 'Cases, for civil servants (policy workflow.cases)',
        querystring: caseQuery,
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Querystring: { status?: string; workflow?: string } }>) => {
      const me = await session(request);
      if (!node.allowsView('workflow.cases', me)) {
        throw new LianzhengError('POLICY_DENIED', 'your identity does not satisfy the policy workflow.cases', {
          details: { policy: 'workflow.cases' },
        });
      }
      const { status, workflow } = request.query;
      const cases = allCases()
        .filter(
          (c) => (status === undefined || c.status === status) && (workflow === undefined || c.workflow === workflow),
        )
        .map((c) => summary(c));
      return { cases };
    },
  );

  app.get(
    '/v1/workflow/my-cases',
    { schema: { tags, summary: "The signed-in applicant's own cases (track progress)", response: errorResponses } },
    async (request) => {
      const me = await session(request);
      const cases: CaseSummaryView[] = [];
      for (const key of node.stateKeys(WORKFLOW_CONTRACT, `applicant/${me.key}/`)) {
        const id = key.slice(`applicant/${me.key}/`.length);
        const c = stateValue(node, WORKFLOW_CONTRACT, workflowKeys.case(id)) as CaseRecord | null;
        if (c !== null) cases.push(summary(c));
      }
      cases.sort((a, b) => b.createdAt - a.createdAt);
      return { cases };
    },
  );

  app.get(
    '/v1/workflow/cases/:id',
    {
      schema: {
        tags,
        summary:
          'A case with its forms, attachments (hashes) and full history: for its applicant and for civil servants',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        response: errorResponses,
      },
    },
    async (request: FastifyRequest<{ Params: { id: string } }>) => {
      const me = await session(request);
      const c = stateValue(node, WORKFLOW_CONTRACT, workflowKeys.case(request.params.id)) as CaseRecord | null;
      if (c === null) {
        throw new LianzhengError('CASE_UNKNOWN', 'no case has this id', { details: { case: request.params.id } });
      }
      if (c.applicant.key !== me.key && !node.allowsView('workflow.cases', me)) {
        throw new LianzhengError('POLICY_DENIED', 'only the applicant and civil servants read a case', {
          details: { policy: 'workflow.cases' },
        });
      }
      const def = definition(c.workflow, c.version);
      const task =
        def === null
          ? undefined
          : taskFor(me, node.consortium.policyOrgs, def, c, {
              height: node.chain.info().height,
              time: node.clock.now(),
            });
      const view: CaseView = { ...c, summary: summary(c), ...(task === undefined ? {} : { task }) };
      return view;
    },
  );
}
