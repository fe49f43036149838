import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTRACT_COMPILER, compileContract, createUserContracts, languageOf } from '@lianzheng/node';
import { DEFAULT_CONTRACT_FUEL, type JsonObject, parseJsonStrict } from '@lianzheng/protocol';
import { getState } from '@lianzheng/sdk';
import type { Command } from 'commander';
import { client, type GlobalOptions, print, resolveKey, submitAndReport, usage } from '../context.js';

/** Reads, compiles and loads a contract in a local sandbox, as the nodes will when the proposal is enacted. */
async function prepare(
  file: string,
): Promise<{ source: string; code: string; language: 'javascript' | 'typescript'; methods: string[] }> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch {
    usage(`cannot read ${file}`);
  }
  const language = languageOf(file);
  const code = await compileContract(source, language, path.basename(file));
  const methods = (await createUserContracts()).methods(code, DEFAULT_CONTRACT_FUEL);
  return { source, code, language, methods };
}

export function registerContract(program: Command): void {
  const contract = program
    .command('contract')
    .description(
      'user contracts: compile and check locally, propose a deployment or upgrade, show (docs/contracts.md)',
    );

  contract
    .command('check <file>')
    .description(`compile (TypeScript with ${CONTRACT_COMPILER}) and load in a local sandbox; prints the methods`)
    .option('--out <file>', 'also write the compiled JavaScript here')
    .action(async (file: string, opts: { out?: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { code, language, methods } = await prepare(file);
      if (opts.out !== undefined) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(opts.out, code);
      }
      print(g, `${file} (${language}): loads; methods ${methods.join(', ')}`, {
        file,
        language,
        methods,
        bytes: code.length,
      });
    });

  contract
    .command('propose <file>')
    .description('propose deploying (or upgrading to) this contract; other organisations vote with `gov vote`')
    .requiredOption('--name <name>', 'contract name (lower case, digits, - and _)')
    .requiredOption('--version <n>', 'version: 1 for a new contract, above the deployed one for an upgrade', (v) =>
      Number.parseInt(v, 10),
    )
    .option('--policy <json>', 'who may call its methods, as a policy (sets `<name>.*`), e.g. {"role":"caseworker"}')
    .option('--note <text>', 'why (shown to the voters)')
    .option('--key <file|id>', 'an admin key (default: the home organisation admin key)')
    .action(
      async (
        file: string,
        opts: { name: string; version: number; policy?: string; note?: string; key?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!Number.isSafeInteger(opts.version) || opts.version < 1) usage('--version must be an integer ≥ 1');
        const { source, code, language } = await prepare(file);
        const actions: JsonObject[] = [
          {
            type: 'deployContract',
            name: opts.name,
            version: opts.version,
            language,
            source,
            ...(language === 'typescript' ? { code } : {}),
          },
        ];
        if (opts.policy !== undefined) {
          let policy: unknown;
          try {
            policy = parseJsonStrict(opts.policy);
          } catch {
            usage('--policy must be JSON, e.g. "anyone" or {"role":"caseworker"}');
          }
          actions.push({ type: 'setPolicy', key: `${opts.name}.*`, policy: policy as JsonObject });
        }
        const key = await resolveKey({ ...g, ...(opts.key === undefined ? {} : { key: opts.key }) });
        await submitAndReport(
          g,
          key,
          'gov',
          'propose',
          { actions, ...(opts.note === undefined ? {} : { note: opts.note }) },
          {
            describe: (r) => {
              const res = r as { proposal: string; status: string };
              return `proposal ${res.proposal} (${res.status}): ${opts.name} v${opts.version}`;
            },
          },
        );
      },
    );

  contract
    .command('show <name>')
    .description('the deployed version, code hash, source hash and methods of a contract')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const c = await client(g);
      const record = (await getState(c, 'gov', `contract/${name}`)).value as Record<string, unknown>;
      print(
        g,
        `${name} v${record.version} (${record.language}), deployed at block ${record.height} by proposal ${String(record.proposal).slice(0, 16)}…\n` +
          `  code hash   ${record.codeHash}\n  source hash ${record.sourceHash ?? '—'}\n  methods     ${((record.methods as string[]) ?? []).join(', ')}`,
        record,
      );
    });
}
