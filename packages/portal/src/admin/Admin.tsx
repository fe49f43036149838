/**
 * 运维: the condition of the node this page was served by, for staff — health, ordering, a few counters from its
 * Prometheus metrics, the departments of the configuration, certificates about to expire and governance proposals.
 * Refreshes itself every 10 seconds (not while the tab is hidden) until paused.
 *
 * `/health`, `/metrics` and `/v1/config` are public and read with the page's plain client; the expiry list, the
 * proposals and the member count need the session (policies identity.expiring, gov.proposals, identity.members).
 */
import { ReloadOutlined } from '@ant-design/icons';
import {
  type ConfigRecord,
  evaluatePolicy,
  type PolicyObject,
  type Principal,
  type ProposalView,
  policyFor,
  policyOrgs,
} from '@lianzheng/protocol';
import {
  getConfig,
  getExpiring,
  getHealth,
  getMembers,
  getMetricsText,
  getProposals,
  type NodeHealthView,
  type OrderingHealthView,
} from '@lianzheng/sdk';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Row,
  Space,
  Statistic,
  Switch,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { type Session, useSession } from '../app/session.js';
import { Hash, type Loaded, LoadView, PageTitle, RequireSession, TimeText, useErrorText, useLoad } from '../app/ui.js';
import { metricSum, type PrometheusText, parsePrometheusText } from './parsePrometheusText.js';

const REFRESH_MS = 10_000;
const EXPIRY_DAYS = 90;
const DAY_MS = 86_400_000;
/** Red within this many days (or expired), orange up to EXPIRY_DAYS. */
const URGENT_DAYS = 30;

export function Admin() {
  return (
    <RequireSession staff>
      <AdminPage />
    </RequireSession>
  );
}

/** A time of day with seconds, China time (the page refreshes every 10 s). */
function clockTime(ms: number, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    timeStyle: 'medium',
  }).format(ms);
}

/** Whole days until `notAfter`, as the node counts them (negative once passed). */
function daysLeft(notAfter: number, now: number): number {
  return Math.floor((notAfter - now) / DAY_MS);
}

function DaysLeftTag({ days }: { days: number }) {
  const { t } = useTranslation();
  const colour = days <= URGENT_DAYS ? 'red' : days <= EXPIRY_DAYS ? 'orange' : 'green';
  return (
    <Tag color={colour} data-testid="days-left">
      {days < 0 ? t('admin.expiring.expired', { days: -days }) : t('admin.expiring.days', { days })}
    </Tag>
  );
}

function useUptime(): (seconds: number) => string {
  const { t } = useTranslation();
  return (seconds) => {
    const d = Math.floor(seconds / 86_400);
    const h = Math.floor((seconds % 86_400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const parts = [
      d > 0 ? t('admin.uptime.days', { count: d }) : '',
      d > 0 || h > 0 ? t('admin.uptime.hours', { count: h }) : '',
      t('admin.uptime.minutes', { count: m }),
    ];
    if (seconds < 60) return t('admin.uptime.seconds', { count: seconds });
    return parts.filter((p) => p !== '').join(' ');
  };
}

function HealthCard({ health }: { health: NodeHealthView }) {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const uptime = useUptime();
  const c = health.certificates;
  return (
    <Descriptions
      bordered
      size="small"
      column={{ xs: 1, sm: 1, md: 2, xl: 3 }}
      styles={{ label: { whiteSpace: 'nowrap' } }}
      data-testid="health"
      items={[
        {
          key: 'status',
          label: t('admin.health.status'),
          children:
            health.status === 'ok' ? (
              <Tag color="success" data-testid="health-status">
                {t('admin.health.ok')}
              </Tag>
            ) : (
              <Tag color="error" data-testid="health-status">
                {t('admin.health.alarm')}
              </Tag>
            ),
        },
        { key: 'node', label: t('admin.health.node'), children: `${health.node} · ${orgs.name(health.org)}` },
        {
          key: 'height',
          label: t('admin.health.height'),
          children: <span data-testid="health-height">{health.height}</span>,
        },
        { key: 'mempool', label: t('admin.health.mempool'), children: health.mempool },
        { key: 'workers', label: t('admin.health.workers'), children: health.workers },
        { key: 'uptime', label: t('admin.health.uptime'), children: uptime(health.uptimeSeconds) },
        { key: 'chain', label: t('admin.health.chain'), children: health.chainId },
        { key: 'suite', label: t('admin.health.suite'), children: health.suite },
        {
          key: 'startup',
          label: t('admin.health.startup'),
          children:
            health.startupCheck === null ? (
              <Typography.Text type="secondary">{t('admin.health.startupOff')}</Typography.Text>
            ) : (
              <Typography.Text type="success">{t('admin.health.startupOk', health.startupCheck)}</Typography.Text>
            ),
        },
        {
          key: 'certificates',
          label: t('admin.health.certificates'),
          span: { xs: 1, sm: 1, md: 2, xl: 3 },
          children: (
            <Space direction="vertical" size={2}>
              {c.status === 'ok' ? (
                <Tag color="success">{t('admin.health.certOk')}</Tag>
              ) : c.status === 'warn' ? (
                <Tag color="orange">{t('admin.health.certWarn', { days: c.warningDays })}</Tag>
              ) : (
                <Tag color="red">{t('admin.health.certExpired')}</Tag>
              )}
              {c.node !== null && (
                <Typography.Text>{t('admin.health.ownCert', { days: c.node.daysLeft })}</Typography.Text>
              )}
              {c.membersExpiring > 0 && (
                <Typography.Text type="warning">
                  {t('admin.health.membersExpiring', { count: c.membersExpiring, days: c.warningDays })}
                </Typography.Text>
              )}
            </Space>
          ),
        },
      ]}
    />
  );
}

function OrderingCard({ ordering }: { ordering: OrderingHealthView }) {
  const { t } = useTranslation();
  if (ordering.type === 'solo') {
    return (
      <Descriptions
        size="small"
        column={1}
        data-testid="ordering"
        items={[{ key: 'type', label: t('admin.ordering.type'), children: t('admin.ordering.solo') }]}
      />
    );
  }
  const ok = ordering.status === 'watching';
  const divergent = Object.entries(ordering.divergentNodes);
  const peers = Object.entries(ordering.peerHeights).map(([node, height]) => ({ node, height }));
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="ordering">
      {ordering.alarm !== null && (
        <Alert
          type="error"
          showIcon
          title={t('admin.ordering.alarm')}
          description={t('admin.ordering.alarmText', {
            height: ordering.alarm.height,
            orgs: ordering.alarm.quorum.orgs.join(', '),
          })}
        />
      )}
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'type', label: t('admin.ordering.type'), children: t('admin.ordering.etcd') },
          {
            key: 'status',
            label: t('admin.ordering.status'),
            children: <Tag color={ok ? 'success' : 'orange'}>{t(`admin.ordering.states.${ordering.status}`)}</Tag>,
          },
          { key: 'endpoint', label: t('admin.ordering.endpoint'), children: <code>{ordering.endpoint}</code> },
          { key: 'certified', label: t('admin.ordering.certified'), children: ordering.certifiedHeight },
          {
            key: 'divergent',
            label: t('admin.ordering.divergent'),
            children:
              divergent.length === 0
                ? t('admin.ordering.none')
                : divergent.map(([node, height]) => (
                    <Tag color="red" key={node}>
                      {node} @ {height}
                    </Tag>
                  )),
          },
        ]}
      />
      {peers.length > 0 && (
        <Table
          size="small"
          rowKey="node"
          pagination={false}
          dataSource={peers}
          title={() => t('admin.ordering.peers')}
          columns={[
            { key: 'node', title: t('admin.ordering.peer'), dataIndex: 'node' },
            { key: 'height', title: t('admin.ordering.peerHeight'), dataIndex: 'height', align: 'right' },
          ]}
        />
      )}
    </Space>
  );
}

interface MetricTile {
  readonly key: string;
  readonly value: number | undefined;
  readonly bad?: boolean;
}

function metricTiles(m: PrometheusText): MetricTile[] {
  const failedReceipts = metricSum(m, 'lianzheng_txs_committed_total', (l) => l.status === 'failed');
  const rejected = metricSum(m, 'lianzheng_admissions_total', (l) => l.result !== 'ok');
  const issueFailures = metricSum(m, 'lianzheng_credential_issue_failures_total');
  return [
    { key: 'blocks', value: metricSum(m, 'lianzheng_blocks_committed_total') },
    { key: 'txOk', value: metricSum(m, 'lianzheng_txs_committed_total', (l) => l.status === 'ok') },
    { key: 'txFailed', value: failedReceipts },
    { key: 'admitted', value: metricSum(m, 'lianzheng_admissions_total', (l) => l.result === 'ok') },
    { key: 'rejected', value: rejected },
    { key: 'dropped', value: metricSum(m, 'lianzheng_txs_dropped_total') },
    { key: 'credentials', value: metricSum(m, 'lianzheng_credentials_issued_total') },
    { key: 'credentialFailures', value: issueFailures, bad: (issueFailures ?? 0) > 0 },
    { key: 'readsAllowed', value: metricSum(m, 'lianzheng_private_reads_total', (l) => l.decision === 'allowed') },
    { key: 'readsDenied', value: metricSum(m, 'lianzheng_private_reads_total', (l) => l.decision === 'denied') },
    { key: 'privateRecords', value: metricSum(m, 'lianzheng_private_records') },
  ];
}

function MetricsCard({ metrics }: { metrics: PrometheusText }) {
  const { t, i18n } = useTranslation();
  const alarm = metricSum(metrics, 'lianzheng_integrity_alarm');
  const locale = i18n.language === 'en' ? 'en-GB' : 'zh-CN';
  return (
    <Row gutter={[12, 12]} data-testid="metrics">
      <Col xs={12} md={8}>
        <Statistic
          title={t('admin.metrics.integrity')}
          value={
            alarm === undefined ? '—' : alarm > 0 ? t('admin.metrics.integrityAlarm') : t('admin.metrics.integrityOk')
          }
          styles={{ content: { color: (alarm ?? 0) > 0 ? '#b3261e' : '#2e7d32' } }}
        />
      </Col>
      {metricTiles(metrics).map((m) => (
        <Col xs={12} md={8} key={m.key}>
          <Tooltip title={m.value === undefined ? t('admin.metrics.missing') : undefined}>
            <Statistic
              title={t(`admin.metrics.${m.key}`)}
              value={m.value === undefined ? '—' : m.value.toLocaleString(locale)}
              data-testid={`metric-${m.key}`}
              {...(m.bad === true ? { styles: { content: { color: '#b3261e' } } } : {})}
            />
          </Tooltip>
        </Col>
      ))}
    </Row>
  );
}

type MemberCount = { readonly org: string; readonly count: number } | { readonly org: string; readonly denied: true };

/**
 * Whether the node would let `who` read a view (`identity.members`, …): the same policy of the on-chain configuration,
 * evaluated the same way (protocol's evaluatePolicy). Checked first so the page does not ask for what it would be
 * refused; the node still decides.
 */
function allows(config: ConfigRecord, who: Principal, view: string, object?: PolicyObject): boolean {
  const [contract = '', name = ''] = view.split('.');
  const policy = policyFor(config.config, contract, name);
  return (
    policy !== undefined &&
    evaluatePolicy(policy, {
      signer: who,
      cosigners: [],
      ...(object === undefined ? {} : { object }),
      orgs: policyOrgs(config.config),
    })
  );
}

/** Enrolled members of the signed-in member's own department (the default policy allows no other), page by page. */
async function countMembers(session: Session, config: ConfigRecord): Promise<MemberCount> {
  const org = session.identity.org ?? session.key.org;
  if (!allows(config, session.identity, 'identity.members', { org })) return { org, denied: true };
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await getMembers(session.client, org, { limit: 1000, ...(after === undefined ? {} : { after }) });
    count += page.members.length;
    if (page.next === null) return { org, count };
    after = page.next;
  }
}

/** A view the signed-in member's roles may not read: `allowed: false`, and the page says so instead of asking. */
type Gated<T> = { readonly allowed: false } | { readonly allowed: true; readonly value: T };

function GatedView<T>({ loaded, children }: { loaded: Loaded<Gated<T>>; children: (value: T) => ReactNode }) {
  const { t } = useTranslation();
  return (
    <LoadView loaded={loaded}>
      {(g) =>
        g.allowed ? (
          children(g.value)
        ) : (
          <Typography.Text type="secondary" data-testid="not-allowed">
            {t('admin.denied')}
          </Typography.Text>
        )
      }
    </LoadView>
  );
}

function OrgsCard({
  config,
  health,
  members,
}: {
  config: ConfigRecord;
  health: NodeHealthView | undefined;
  members: Loaded<MemberCount | undefined>;
}) {
  const { t, i18n } = useTranslation();
  const errorText = useErrorText();
  const caOf = (org: string) =>
    (health?.certificates.ca ?? []).filter((c) => c.org === org).sort((a, b) => a.notAfter - b.notAfter)[0];
  return (
    <>
      <Typography.Paragraph type="secondary">
        {t('admin.orgs.lead', { version: config.version, height: config.height })}
      </Typography.Paragraph>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        scroll={{ x: 'max-content' }}
        data-testid="orgs"
        dataSource={[...config.config.orgs]}
        columns={[
          { key: 'id', title: t('admin.orgs.id'), render: (_, o) => <code>{o.id}</code> },
          {
            key: 'name',
            title: t('admin.orgs.name'),
            render: (_, o) => (i18n.language === 'en' ? (o.nameEn ?? o.name) : o.name),
          },
          {
            key: 'nodes',
            title: t('admin.orgs.nodes'),
            render: (_, o) =>
              o.nodes.length === 0 ? (
                <Typography.Text type="secondary">—</Typography.Text>
              ) : (
                o.nodes.map((n) => <Tag key={n.id}>{n.id}</Tag>)
              ),
          },
          { key: 'weight', title: t('admin.orgs.weight'), align: 'right', render: (_, o) => o.weight },
          { key: 'ca', title: t('admin.orgs.ca'), align: 'right', render: (_, o) => o.ca.length },
          {
            key: 'caExpiry',
            title: t('admin.orgs.caExpiry'),
            render: (_, o) => {
              const ca = caOf(o.id);
              return ca === undefined ? '—' : <DaysLeftTag days={ca.daysLeft} />;
            },
          },
          {
            key: 'members',
            title: t('admin.orgs.members'),
            align: 'right',
            render: (_, o) => {
              if (members.error !== undefined)
                return (
                  <Tooltip title={errorText(members.error)}>
                    <Typography.Text type="danger">—</Typography.Text>
                  </Tooltip>
                );
              const count = members.data;
              if (count === undefined) return '…';
              if (count.org !== o.id)
                return (
                  <Tooltip title={t('admin.orgs.membersOther')}>
                    <Typography.Text type="secondary">—</Typography.Text>
                  </Tooltip>
                );
              if ('denied' in count)
                return (
                  <Tooltip title={t('admin.orgs.membersDenied')}>
                    <Typography.Text type="secondary" aria-label={t('admin.orgs.membersDenied')}>
                      —
                    </Typography.Text>
                  </Tooltip>
                );
              return <span data-testid="members-count">{count.count}</span>;
            },
          },
        ]}
      />
    </>
  );
}

interface ExpiringRow {
  readonly key: string;
  readonly kind: 'ca' | 'member';
  readonly org: string;
  readonly who: string;
  readonly notAfter: number;
}

function ExpiringCard({ rows }: { rows: readonly ExpiringRow[] }) {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const now = Date.now();
  if (rows.length === 0) {
    return (
      <Typography.Text type="secondary" data-testid="expiring-none">
        {t('admin.expiring.none')}
      </Typography.Text>
    );
  }
  return (
    <Table
      size="small"
      rowKey="key"
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      scroll={{ x: 'max-content' }}
      data-testid="expiring"
      dataSource={[...rows]}
      columns={[
        {
          key: 'kind',
          title: t('admin.expiring.kind'),
          render: (_, r) => (r.kind === 'ca' ? t('admin.expiring.ca') : t('admin.expiring.member')),
        },
        { key: 'org', title: t('admin.expiring.org'), render: (_, r) => orgs.name(r.org) },
        {
          key: 'who',
          title: t('admin.expiring.who'),
          render: (_, r) => (r.kind === 'ca' ? <Hash value={r.who} /> : r.who),
        },
        { key: 'notAfter', title: t('admin.expiring.notAfter'), render: (_, r) => <TimeText ms={r.notAfter} /> },
        {
          key: 'daysLeft',
          title: t('admin.expiring.daysLeft'),
          render: (_, r) => <DaysLeftTag days={daysLeft(r.notAfter, now)} />,
        },
      ]}
    />
  );
}

interface ProposalRow {
  readonly id: string;
  readonly org: string;
  readonly status: string;
  readonly note: string | undefined;
  readonly actions: readonly string[];
  readonly votes: number;
  readonly expiresAt: number;
}

/** The fields the summary uses. */
function proposalRow(p: ProposalView): ProposalRow {
  return {
    id: p.id,
    org: p.org,
    status: p.status,
    note: p.note,
    actions: p.actions.map((a) => a.type),
    votes: Object.keys(p.votes).length,
    expiresAt: p.expiresAt,
  };
}

const PROPOSAL_COLOURS: Readonly<Record<string, string>> = {
  open: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
  expired: 'default',
  failed: 'error',
};

function ProposalsCard({ proposals }: { proposals: readonly ProposalRow[] }) {
  const { t, i18n } = useTranslation();
  const orgs = useOrgs();
  if (proposals.length === 0) return <Typography.Text type="secondary">{t('admin.proposals.none')}</Typography.Text>;
  const counts = new Map<string, number>();
  for (const p of proposals) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  const open = proposals.filter((p) => p.status === 'open');
  const status = (s: string) => (i18n.exists(`admin.proposals.status.${s}`) ? t(`admin.proposals.status.${s}`) : s);
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="proposals">
      <Space wrap>
        <Typography.Text>{t('admin.proposals.total', { count: proposals.length })}</Typography.Text>
        {[...counts].map(([s, n]) => (
          <Tag key={s} color={PROPOSAL_COLOURS[s] ?? 'default'}>
            {status(s)} {n}
          </Tag>
        ))}
      </Space>
      <Typography.Text strong>{t('admin.proposals.open')}</Typography.Text>
      {open.length === 0 ? (
        <Typography.Text type="secondary">{t('admin.proposals.noOpen')}</Typography.Text>
      ) : (
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          scroll={{ x: 'max-content' }}
          dataSource={open}
          columns={[
            { key: 'id', title: t('admin.proposals.id'), render: (_, p) => <Hash value={p.id} /> },
            { key: 'org', title: t('admin.proposals.org'), render: (_, p) => orgs.name(p.org) },
            { key: 'actions', title: t('admin.proposals.actions'), render: (_, p) => p.actions.join(', ') },
            { key: 'note', title: t('admin.proposals.note'), render: (_, p) => p.note ?? '—' },
            { key: 'votes', title: t('admin.proposals.votes'), align: 'right', render: (_, p) => p.votes },
            {
              key: 'expiresAt',
              title: t('admin.proposals.expiresAt'),
              render: (_, p) => (p.expiresAt > 0 ? <TimeText ms={p.expiresAt} /> : '—'),
            },
          ]}
        />
      )}
    </Space>
  );
}

function AdminPage() {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const [auto, setAuto] = useState(true);
  const [tick, setTick] = useState(0);
  const [updatedAt, setUpdatedAt] = useState<number | undefined>(undefined);

  useEffect(() => {
    if (!auto) return;
    const timer = setInterval(() => {
      if (!document.hidden) setTick((n) => n + 1);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto]);

  // One configuration request per refresh, shared by the departments table and the permission checks.
  const configRequest = useRef<{ readonly tick: number; readonly request: Promise<ConfigRecord> } | undefined>(
    undefined,
  );
  const currentConfig = (): Promise<ConfigRecord> => {
    if (configRequest.current?.tick !== tick) configRequest.current = { tick, request: getConfig(client) };
    return configRequest.current.request;
  };
  const gated = async <T,>(view: string, load: (s: Session) => Promise<T>): Promise<Gated<T>> => {
    const config = await currentConfig();
    if (session === undefined || !allows(config, session.identity, view)) return { allowed: false };
    return { allowed: true, value: await load(session) };
  };

  const health = useLoad(() => getHealth(client), [tick]);
  const metrics = useLoad(() => getMetricsText(client).then(parsePrometheusText), [tick]);
  const config = useLoad(currentConfig, [tick]);
  const expiring = useLoad(
    () =>
      gated('identity.expiring', async (s): Promise<ExpiringRow[]> => {
        const e = await getExpiring(s.client, EXPIRY_DAYS);
        return [
          ...e.ca.map((c) => ({
            key: `ca/${c.fingerprint}`,
            kind: 'ca' as const,
            org: c.org,
            who: c.fingerprint,
            notAfter: c.notAfter,
          })),
          ...e.members.map((m) => ({
            key: `member/${m.publicKey}`,
            kind: 'member' as const,
            org: m.org,
            who: m.member,
            notAfter: m.notAfter,
          })),
        ].sort((a, b) => a.notAfter - b.notAfter);
      }),
    [tick, session],
  );
  const proposals = useLoad(
    () => gated('gov.proposals', async (s) => (await getProposals(s.client)).proposals.map(proposalRow)),
    [tick, session],
  );
  // Paging through the members costs a scan of the identity records on the node: once per visit, not every 10 s.
  const members = useLoad(
    async () => (session === undefined ? undefined : countMembers(session, await currentConfig())),
    [session],
  );

  useEffect(() => {
    if (health.data !== undefined) setUpdatedAt(Date.now());
  }, [health.data]);

  return (
    <>
      <PageTitle
        title={t('admin.title')}
        extra={
          <Space wrap>
            <Switch
              checked={auto}
              onChange={setAuto}
              aria-label={t('admin.autoRefreshLabel')}
              data-testid="auto-refresh"
            />
            <Typography.Text>{auto ? t('admin.autoRefresh') : t('admin.paused')}</Typography.Text>
            {updatedAt !== undefined && (
              <Typography.Text type="secondary" data-testid="updated-at">
                {t('admin.updated', { time: clockTime(updatedAt, i18n.language) })}
              </Typography.Text>
            )}
            <Button icon={<ReloadOutlined />} onClick={() => setTick((n) => n + 1)}>
              {t('admin.refresh')}
            </Button>
          </Space>
        }
      />
      <Typography.Paragraph type="secondary">{t('admin.lead')}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24}>
          <Card title={t('admin.health.title')}>
            <LoadView loaded={health}>{(h) => <HealthCard health={h} />}</LoadView>
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={t('admin.ordering.title')} style={{ height: '100%' }}>
            <LoadView loaded={health}>{(h) => <OrderingCard ordering={h.ordering} />}</LoadView>
          </Card>
        </Col>
        <Col xs={24} xl={16}>
          <Card title={t('admin.metrics.title')} style={{ height: '100%' }}>
            <Typography.Paragraph type="secondary">{t('admin.metrics.lead')}</Typography.Paragraph>
            <LoadView loaded={metrics}>{(m) => <MetricsCard metrics={m} />}</LoadView>
          </Card>
        </Col>
        <Col xs={24}>
          <Card title={t('admin.orgs.title')}>
            <LoadView loaded={config}>{(c) => <OrgsCard config={c} health={health.data} members={members} />}</LoadView>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('admin.expiring.title')} style={{ height: '100%' }}>
            <Typography.Paragraph type="secondary">{t('admin.expiring.lead')}</Typography.Paragraph>
            <GatedView loaded={expiring}>{(rows) => <ExpiringCard rows={rows} />}</GatedView>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('admin.proposals.title')} style={{ height: '100%' }}>
            <Typography.Paragraph type="secondary">{t('admin.proposals.lead')}</Typography.Paragraph>
            <GatedView loaded={proposals}>{(list) => <ProposalsCard proposals={list} />}</GatedView>
          </Card>
        </Col>
      </Row>
    </>
  );
}
