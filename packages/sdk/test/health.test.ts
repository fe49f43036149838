/**
 * The operator's view of a node from the SDK, against an in-process node (its API answered through `inject`, no
 * sockets): `getHealth` typed as the node builds it, `getMetricsText` as plain Prometheus text (also through a session
 * client), coded errors for a transport that cannot fetch text and for a node error on a text route; the typed
 * `getExpiring`; and `chainStatsToCsv` against the days the node serves.
 */
import { DEMO_ORGS } from '@lianzheng/node';
import { isLianzhengError } from '@lianzheng/protocol';
import {
  type Client,
  chainStatsToCsv,
  createClient,
  getChainStats,
  getExpiring,
  getHealth,
  getMetricsText,
  httpTransport,
  withSession,
} from '@lianzheng/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  injectFetch,
  openTestNode,
  signedTx,
  signInToken,
  submitForReceipt,
  T0,
  type TestNode,
} from '../../node/test/nodeHarness.js';

const DAY_MS = 86_400_000;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (isLianzhengError(error)) return error.code;
    throw error;
  }
}

describe('node health and metrics from the SDK', () => {
  let t: TestNode;
  /** Every request's path and headers, as the node received them. */
  const seen: { path: string; headers: Record<string, string> }[] = [];
  const client = (): Client =>
    createClient({
      transport: httpTransport('http://node.test', {
        fetch: (input, init) => {
          seen.push({
            path: new URL(String(input)).pathname,
            headers: { ...(init?.headers as Record<string, string>) },
          });
          return injectFetch(t)(input, init);
        },
      }),
    });

  beforeAll(async () => {
    t = await openTestNode();
    for (let i = 0; i < 3; i++) expect((await submitForReceipt(t, signedTx(t))).status).toBe('ok');
  }, 60_000);

  afterAll(async () => {
    expect(t?.fatal ?? []).toEqual([]);
    await t?.close();
  });

  it('getHealth returns the node’s status, height, ordering and certificates', async () => {
    const h = await getHealth(client());
    expect(h).toMatchObject({
      status: 'ok',
      chainId: t.genesis.chainId,
      suite: t.genesis.suite,
      node: t.node.identity.node,
      org: t.node.identity.org,
      ordering: { type: 'solo' },
      height: t.node.ledger.durableHeight,
      mempool: 0,
      workers: 2,
    });
    expect(h.height).toBeGreaterThanOrEqual(3);
    expect(h.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(h.certificates.ca.map((c) => c.org).sort()).toEqual(DEMO_ORGS.map((o) => o.id).sort());
    for (const c of h.certificates.ca) {
      expect(c.kind).toBe('ca');
      expect(c.daysLeft).toBe(Math.floor((c.notAfter - T0) / DAY_MS));
    }
    expect(['ok', 'warn', 'expired']).toContain(h.certificates.status);
    expect(h.startupCheck === null || h.startupCheck.ok).toBe(true);
  });

  it('getMetricsText returns the Prometheus text with the block height and committed transactions', async () => {
    const text = await getMetricsText(client());
    const height = t.node.ledger.durableHeight;
    expect(text).toMatch(/^# HELP /);
    expect(text).toContain(`\nlianzheng_block_height ${height}\n`);
    expect(text).toMatch(/\nlianzheng_blocks_committed_total \d+\n/);
    expect(text).toMatch(/\nlianzheng_txs_committed_total\{status="ok"\} [3-9]\d*\n/);
  });

  it('a session client fetches the text with its session; getExpiring is typed', async () => {
    const token = await signInToken(t, t.staff['market-sysadmin']!);
    const session = withSession(client(), token);
    seen.length = 0;
    expect(await getMetricsText(session)).toContain('lianzheng_block_height');
    expect(seen).toEqual([{ path: '/metrics', headers: { accept: 'text/plain', authorization: `Bearer ${token}` } }]);
    const soon = await getExpiring(session, 90);
    expect(soon.days).toBe(90);
    expect(soon.ca).toEqual([]);
    expect(soon.members).toEqual([]);
    // Far enough ahead, every member certificate is listed with the fields the type promises.
    const later = await getExpiring(session, 9999);
    expect(later.members.length).toBeGreaterThan(0);
    for (const m of later.members) {
      expect(m).toMatchObject({ org: expect.any(String), member: expect.any(String), notAfter: expect.any(Number) });
      expect(m.status).toBe('active');
    }
    expect(await codeOf(getExpiring(client(), 90))).toBe('SESSION_REQUIRED');
  });

  it('coded errors: a transport without requestText, a node error on a text route, a non-JSON error page', async () => {
    const jsonOnly = createClient({ transport: { request: client().transport.request } });
    expect(await codeOf(getMetricsText(jsonOnly))).toBe('SDK_TRANSPORT_UNSUPPORTED');
    expect(await codeOf(getMetricsText(withSession(jsonOnly, 'x')))).toBe('SDK_TRANSPORT_UNSUPPORTED');
    const transport = client().transport;
    expect(await codeOf(transport.requestText!('/v1/blocks/999999'))).toBe('HEIGHT_NOT_AVAILABLE');
    const proxyPage = createClient({
      transport: httpTransport('http://node.test', {
        fetch: async () => new Response('<html>502 Bad Gateway</html>', { status: 502 }),
      }),
    });
    expect(await codeOf(getMetricsText(proxyPage))).toBe('SDK_RESPONSE_INVALID');
    const down = createClient({
      transport: httpTransport('http://node.test', {
        fetch: () => Promise.reject(new TypeError('connection refused')),
      }),
    });
    expect(await codeOf(getMetricsText(down))).toBe('SDK_TRANSPORT_FAILED');
  });

  it('chainStatsToCsv writes every day the node serves, with a BOM and CRLF', async () => {
    const view = await getChainStats(client(), { days: 3 });
    const csv = chainStatsToCsv(view);
    expect(csv.startsWith('\uFEFFdate,blocks,transactions,ok,failed\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = csv.slice(1).trimEnd().split('\r\n').slice(1);
    expect(rows).toEqual(view.days.map((d) => `${d.date},${d.blocks},${d.transactions},${d.ok},${d.failed}`));
    expect(rows).toHaveLength(3);
    const sum = rows.reduce((n, r) => n + Number(r.split(',')[2]), 0);
    expect(sum).toBe(view.totals.transactions);
    expect(view.totals.transactions).toBeGreaterThanOrEqual(3);
  });
});
