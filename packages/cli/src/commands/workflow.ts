import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { nativeSuite, templateActions } from '@lianzheng/node';
import type { JsonObject, JsonValue, SuiteId } from '@lianzheng/protocol';
import { assertWorkflowDefinition, type FormSchema, validateForm } from '@lianzheng/runtime';
import {
  commitPersonal,
  getCase,
  getCases,
  getChainInfo,
  getInbox,
  getMe,
  getMyCases,
  getWorkflow,
  getWorkflows,
  mapPersonalFields,
  personalFormFields,
  type RegisteredField,
  registerFormPersonal,
  type WorkflowFormDefinition,
} from '@lianzheng/sdk';
import type { Command } from 'commander';
import {
  client,
  type GlobalOptions,
  jsonObjectOption,
  print,
  resolveKey,
  sessionClient,
  submitAndReport,
  usage,
} from '../context.js';
import { privacySigner } from './privacy.js';

type Label = string | { zh?: string; en?: string } | undefined;
const zh = (l: Label): string => (typeof l === 'string' ? l : (l?.zh ?? l?.en ?? ''));

/**
 * Registers the plain values of a form's personal fields as personal records (for the workflow's owner, readable by
 * the departments handling the case) and puts their commitments in the form; a form without any is returned as it is.
 */
async function registerPlainPersonal(
  g: GlobalOptions,
  key: Awaited<ReturnType<typeof resolveKey>>,
  workflow: string,
  form: JsonObject,
  subjectOption: string | undefined,
): Promise<{ form: JsonObject; records: RegisteredField[] }> {
  const c = await client(g);
  const definition = (await getWorkflow(c, workflow)) as unknown as WorkflowFormDefinition;
  const fields = await personalFormFields(definition.form, form);
  if (fields.every((f) => f.committed)) return { form, records: [] };
  // Checked here first, with stand-ins for the values to register: a form with a mistake registers nothing.
  const probe = await mapPersonalFields(definition.form, form, 'form', async () => '0'.repeat(64));
  validateForm(definition.form as FormSchema, probe);
  const me = (await getMe(await sessionClient(g, key))).identity;
  const subject = subjectOption ?? me.subject;
  if (subject === undefined) {
    usage('the form holds personal values: name whose they are with --subject <id> (a citizen or enterprise)');
  }
  return registerFormPersonal(c, await privacySigner(key, c), {
    definition,
    form,
    subject,
    ...(me.kind === 'member' ? { org: null } : {}),
  });
}

/** Attachments stay off chain: only their names, sizes and SHA-256 go into the transaction. */
async function attachments(files: readonly string[]): Promise<JsonObject[]> {
  return Promise.all(
    files.map(async (file) => {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        usage(`cannot read ${file}`);
      }
      return { name: path.basename(file), hash: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
    }),
  );
}

const repeat = (v: string, acc: string[]) => [...acc, v];

export function registerWorkflow(program: Command): void {
  const wf = program
    .command('workflow')
    .description('approval workflows (行政审批): deploy, apply, act, track (docs/workflows.md)');

  wf.command('list')
    .description('the deployed workflows')
    .action(async (_o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { workflows } = await getWorkflows(await client(g));
      print(
        g,
        workflows
          .map((w) => `${String(w.id).padEnd(22)} v${w.version}  ${zh(w.title as Label)}  (${w.owner})`)
          .join('\n'),
        workflows,
      );
    });

  wf.command('show <id>')
    .description('a workflow definition: steps, who acts, forms')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const def = (await getWorkflow(await client(g), id)) as {
        title: Label;
        steps: Record<string, { title: Label; type: string }>;
      };
      const steps = Object.entries(def.steps).map(([s, v]) => `  ${s.padEnd(16)} ${v.type.padEnd(12)} ${zh(v.title)}`);
      print(g, [`${id}: ${zh(def.title)}`, ...steps].join('\n'), def);
    });

  wf.command('propose <file>')
    .description('propose deploying a workflow definition (JSON); other organisations vote with `gov vote`')
    .option('--note <text>', 'why (shown to the voters)')
    .option('--key <file|id>', 'an admin key')
    .action(async (file: string, opts: { note?: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const definition = jsonObjectOption(await readFile(file, 'utf8').catch(() => usage(`cannot read ${file}`)), file);
      assertWorkflowDefinition(definition);
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(g, key, 'gov', 'propose', {
        actions: [{ type: 'deployWorkflow', definition }],
        ...(opts.note === undefined ? {} : { note: opts.note }),
      });
    });

  wf.command('propose-templates')
    .description('propose deploying the five workflows that ship, with their contracts and policies')
    .option('--key <file|id>', 'an admin key')
    .action(async (opts: { key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(g, key, 'gov', 'propose', {
        actions: templateActions() as JsonValue[],
        note: '五个审批流程模板：营业执照、不动产登记、户口迁移、出生登记、预算审批',
      });
    });

  wf.command('submit <workflow>')
    .description(
      'apply: submit the form (JSON) and attachments (hashed, the files stay with you). Plain values in personal ' +
        'fields are first registered as personal records (encrypted on the node, commitments on chain)',
    )
    .requiredOption('--form <json>', 'the application form as JSON')
    .option('--attach <file>', 'an attachment (repeatable)', repeat, [] as string[])
    .option('--subject <id>', "whose personal data the form holds (default: your own; a hospital names a parent's)")
    .option('--key <file|id>', 'the applicant key')
    .action(
      async (
        workflow: string,
        opts: { form: string; attach: string[]; subject?: string; key?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
        const files = await attachments(opts.attach);
        const registered = await registerPlainPersonal(
          g,
          key,
          workflow,
          jsonObjectOption(opts.form, '--form'),
          opts.subject,
        );
        for (const r of registered.records) {
          process.stderr.write(
            `${r.field}: registered personal record ${r.record} (${r.category}); keep its salt ${r.salt}\n`,
          );
        }
        await submitAndReport(
          g,
          key,
          'workflow',
          'submit',
          { workflow, form: registered.form, ...(files.length === 0 ? {} : { attachments: files }) },
          { describe: (r) => `case ${(r as { case: string }).case} at step ${(r as { step: string }).step}` },
        );
      },
    );

  wf.command('act <case> <action>')
    .description('act on the current step of a case (approve, reject, …) with a form, comment, attachments')
    .option('--form <json>', "the step's form as JSON")
    .option('--comment <text>', 'a comment (required by some actions)')
    .option('--attach <file>', 'an attachment (repeatable)', repeat, [] as string[])
    .option('--key <file|id>', 'your key')
    .action(
      async (
        caseId: string,
        action: string,
        opts: { form?: string; comment?: string; attach: string[]; key?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
        const files = await attachments(opts.attach);
        await submitAndReport(
          g,
          key,
          'workflow',
          'act',
          {
            case: caseId,
            action,
            ...(opts.form === undefined ? {} : { form: jsonObjectOption(opts.form, '--form') }),
            ...(opts.comment === undefined ? {} : { comment: opts.comment }),
            ...(files.length === 0 ? {} : { attachments: files }),
          },
          {
            describe: (r) =>
              `case ${(r as { status: string }).status}${(r as { step?: string }).step ? ` at step ${(r as { step: string }).step}` : ''}`,
          },
        );
      },
    );

  wf.command('withdraw <case>')
    .description('withdraw your own open case')
    .option('--comment <text>', 'why')
    .option('--key <file|id>', 'the applicant key')
    .action(async (caseId: string, opts: { comment?: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      await submitAndReport(g, key, 'workflow', 'withdraw', {
        case: caseId,
        ...(opts.comment === undefined ? {} : { comment: opts.comment }),
      });
    });

  wf.command('inbox')
    .description('your tasks: open cases at a step you act on (signs in with your key)')
    .option('--key <file|id>', 'your key')
    .action(async (opts: { key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      const { tasks } = await getInbox(await sessionClient(g, key));
      const lines = tasks.map(
        (t) =>
          `${String(t.id).slice(0, 16)}… ${String(t.workflow).padEnd(20)} ${String(t.step).padEnd(14)} ${t.overdue ? '逾期 overdue' : ''}`,
      );
      print(g, lines.length === 0 ? 'no tasks' : lines.join('\n'), { tasks });
    });

  wf.command('cases')
    .description('cases: yours as an applicant (--mine), or all for civil servants, optionally filtered')
    .option('--mine', 'only the cases you applied for')
    .option('--status <status>', 'open, approved, rejected, withdrawn')
    .option('--workflow <id>', 'one workflow')
    .option('--key <file|id>', 'your key')
    .action(async (opts: { mine?: boolean; status?: string; workflow?: string; key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      const c = await sessionClient(g, key);
      const { cases } = opts.mine
        ? await getMyCases(c)
        : await getCases(c, {
            ...(opts.status === undefined ? {} : { status: opts.status }),
            ...(opts.workflow === undefined ? {} : { workflow: opts.workflow }),
          });
      const lines = cases.map(
        (x) =>
          `${String(x.id).slice(0, 16)}… ${String(x.workflow).padEnd(20)} ${String(x.status).padEnd(9)} ${x.step ?? ''}`,
      );
      print(g, lines.length === 0 ? 'no cases' : lines.join('\n'), { cases });
    });

  wf.command('case <id>')
    .description('a case with its history')
    .option('--key <file|id>', 'your key')
    .action(async (id: string, opts: { key?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
      const c = await getCase(await sessionClient(g, key), id);
      const lines = [
        `${id}  ${c.workflow}  ${c.status}${c.step === undefined ? '' : ` at ${c.step}`}`,
        ...c.history.map(
          (h) =>
            `  ${String(h.seq).padStart(3)} ${new Date(h.time).toISOString()} ${h.action.padEnd(14)} ${h.step ?? ''} ${h.actor.org ?? h.actor.kind}/${h.actor.member ?? ''}${h.late ? ' (late)' : ''}${h.comment ? ` — ${h.comment}` : ''}`,
        ),
      ];
      print(g, lines.join('\n'), c);
    });

  wf.command('commit <value>')
    .description(
      'the commitment of a value and salt (to check what a record stands for); a form takes only registered ' +
        'records: put the plain value in the form (`submit` registers it) or `privacy register` it first',
    )
    .option('--salt <hex>', 'a salt (default: 16 random bytes)')
    .action(async (value: string, opts: { salt?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const salt = opts.salt ?? randomBytes(16).toString('hex');
      const info = await getChainInfo(await client(g)).catch(() => ({ suite: 'ed25519-sha256' as SuiteId }));
      const commitment = commitPersonal(nativeSuite(info.suite as SuiteId), value, salt);
      print(g, `${commitment}\n  salt ${salt} (keep it with the value; both stay off chain)`, { commitment, salt });
    });
}
