/**
 * User contracts the way operators deploy them: a TypeScript file, `lianzheng contract check` and `contract propose`
 * against a real node process, votes by two more departments with `gov vote`, calls with `lianzheng tx`, an upgrade
 * with a migration, and `lianzheng verify`, which replays the chain (contracts included) from genesis.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freePort, type NodeHandle, removeDir, startNode, tempDir } from './helpers/nodeProcess.js';

interface Committed {
  id: string;
  height: number;
  receipt: { status: string; code?: string; message?: string; result?: unknown; fuel?: number };
}

const V1 = `
interface Ctx { caller: { org?: string; member?: string }; height: number }
interface Licence { no: string; holder: string; issuedBy?: string; at: number; schema?: number }

export function issue(args: { no: string; holder: string }, ctx: Ctx): Licence {
  if (!/^[A-Z0-9-]{4,32}$/.test(args.no)) throw Object.assign(new Error('bad licence number'), { code: 'BAD_NUMBER' });
  if (lz.get('licence/' + args.no) !== null) throw Object.assign(new Error('already issued'), { code: 'DUPLICATE' });
  const licence: Licence = { no: args.no, holder: args.holder, issuedBy: ctx.caller.org, at: ctx.height };
  lz.put('licence/' + args.no, licence);
  lz.emit('issued', { no: args.no });
  return licence;
}

export function get(args: { no: string }): Licence | null {
  return lz.get('licence/' + args.no) as Licence | null;
}

declare const lz: {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  emit(name: string, data: unknown): void;
  range(prefix: string, options?: { limit?: number }): { key: string; value: unknown }[];
};
`;

const V2 = `${V1}
export function migrate(args: { from: number; to: number }): void {
  for (const e of lz.range('licence/', { limit: 1000 })) lz.put(e.key, { ...(e.value as object), schema: args.to });
}
`;

describe('user contracts through the CLI', () => {
  let home: string;
  let node: NodeHandle;
  const g = () => ['--home', home, '--url', node.url, '--json'];

  async function run(args: readonly string[]): Promise<Committed & { exit: number; stderr: string }> {
    const r = await cli([...g(), ...args]);
    if (r.stdout.trim().startsWith('{'))
      return { ...(JSON.parse(r.stdout) as Committed), exit: r.code, stderr: r.stderr };
    return { id: '', height: -1, receipt: { status: 'error' }, exit: r.code, stderr: r.stderr };
  }

  async function approve(proposal: string): Promise<void> {
    expect((await run(['gov', 'vote', proposal, '--yes', '--key', 'realestate-admin'])).receipt.status).toBe('ok');
    const last = await run(['gov', 'vote', proposal, '--yes', '--key', 'police-admin']);
    expect(last.receipt.result, JSON.stringify(last)).toMatchObject({ status: 'approved' });
  }

  beforeAll(async () => {
    home = tempDir('contracts');
    const port = await freePort();
    const init = await cli(['--home', home, 'init', '--demo', '--kdf-cost', '12', '--port', String(port)]);
    expect(init.code, init.stderr).toBe(0);
    node = await startNode(home, port);
  }, 120_000);

  afterAll(async () => {
    await node?.stop();
    removeDir(home);
  });

  it('check compiles TypeScript and lists the methods; a syntax error is refused with its position', async () => {
    const file = path.join(home, 'licences.ts');
    writeFileSync(file, V1);
    const ok = await cli(['--json', 'contract', 'check', file]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ language: 'typescript', methods: ['get', 'issue'] });
    const broken = path.join(home, 'broken.ts');
    writeFileSync(broken, 'export function f( {');
    const bad = await cli(['contract', 'check', broken]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/CONTRACT_COMPILE_FAILED.*line 1/);
  });

  it('propose, vote, call: the deployment is a governance decision and the calls follow its policy', async () => {
    const file = path.join(home, 'licences.ts');
    const proposed = await run([
      'contract',
      'propose',
      file,
      '--name',
      'licences',
      '--version',
      '1',
      '--policy',
      JSON.stringify({ all: [{ org: 'market' }, { role: 'registrar' }] }),
      '--note',
      '电子营业执照 registry',
    ]);
    expect(proposed.receipt.status, JSON.stringify(proposed)).toBe('ok');
    const proposal = (proposed.receipt.result as { proposal: string }).proposal;
    const early = await run([
      'tx',
      'licences',
      'issue',
      '--args',
      '{"no":"L-0001","holder":"h1"}',
      '--key',
      'market-registrar',
    ]);
    expect(early.exit).not.toBe(0);
    expect(early.stderr).toContain('CONTRACT_UNKNOWN');
    await approve(proposal);

    const issued = await run([
      'tx',
      'licences',
      'issue',
      '--args',
      '{"no":"L-0001","holder":"h1"}',
      '--key',
      'market-registrar',
    ]);
    expect(issued.receipt).toMatchObject({ status: 'ok', result: { no: 'L-0001', issuedBy: 'market' } });
    expect(issued.receipt.fuel).toBeGreaterThan(0);
    const dup = await run([
      'tx',
      'licences',
      'issue',
      '--args',
      '{"no":"L-0001","holder":"h2"}',
      '--key',
      'market-registrar',
    ]);
    expect(dup.receipt).toMatchObject({
      status: 'failed',
      code: 'CONTRACT_FAILED',
      message: '[DUPLICATE] already issued',
    });
    const wrongOrg = await run([
      'tx',
      'licences',
      'issue',
      '--args',
      '{"no":"L-0002","holder":"h2"}',
      '--key',
      'police-registrar',
    ]);
    expect(wrongOrg.exit).not.toBe(0);
    expect(wrongOrg.stderr).toContain('POLICY_DENIED');

    const shown = await cli([...g(), 'contract', 'show', 'licences']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name: 'licences',
      version: 1,
      language: 'typescript',
      methods: ['get', 'issue'],
    });
  });

  it('an upgrade runs the migration; verify replays the whole chain, contracts included', async () => {
    const file = path.join(home, 'licences-v2.ts');
    writeFileSync(file, V2);
    const proposed = await run(['contract', 'propose', file, '--name', 'licences', '--version', '2']);
    expect(proposed.receipt.status, JSON.stringify(proposed)).toBe('ok');
    await approve((proposed.receipt.result as { proposal: string }).proposal);
    const got = await run(['tx', 'licences', 'get', '--args', '{"no":"L-0001"}', '--key', 'market-registrar']);
    expect(got.receipt).toMatchObject({ status: 'ok', result: { no: 'L-0001', schema: 2 } });

    const v = await cli(['--home', home, '--json', 'verify']);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ replayed: true });
  });
});
