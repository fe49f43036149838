import { CheckOutlined, CloseOutlined } from '@ant-design/icons';
import {
  type ConfigRecord,
  GOV_ACTION_TYPES,
  needThreshold,
  type ProposalView,
  type QuorumNeed,
} from '@lianzheng/protocol';
import { getProposals, voteOnProposalTx } from '@lianzheng/sdk';
import {
  Alert,
  App,
  Button,
  Card,
  Collapse,
  Descriptions,
  Empty,
  List,
  Progress,
  Segmented,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useOrgs } from '../app/orgs.js';
import { submitCall } from '../app/tx.js';
import { ErrorAlert, Hash, LoadView, TimeText, useLoad } from '../app/ui.js';
import { ConsolePage, useStaffSession } from './ConsoleLayout.js';
import { loadConfig, mayCall } from './consortium.js';
import { labelText } from './views.js';

const STATUS_COLOURS: Record<ProposalView['status'], string> = {
  open: 'processing',
  approved: 'success',
  rejected: 'error',
  failed: 'error',
  withdrawn: 'default',
  expired: 'default',
};

function ActionSummary({ action }: { readonly action: ProposalView['actions'][number] }) {
  const { t, i18n } = useTranslation();
  const known = (GOV_ACTION_TYPES as readonly string[]).includes(action.type);
  const name = known ? t(`console.governance.action.${action.type}`) : action.type;
  const definition = action.definition as { id?: string; title?: unknown } | undefined;
  const detail =
    action.type === 'deployWorkflow' && definition !== undefined
      ? labelText(definition.title as never, i18n.language) || definition.id
      : action.type === 'setPolicy'
        ? String(action.key)
        : action.type === 'deployContract'
          ? `${String(action.name)} v${String(action.version)}`
          : typeof action.org === 'string'
            ? action.org
            : typeof (action.org as { id?: unknown } | undefined)?.id === 'string'
              ? (action.org as { id: string }).id
              : '';
  return (
    <Tag>
      {name}
      {detail === '' || detail === undefined ? '' : `：${detail}`}
    </Tag>
  );
}

function Tally({ p, config }: { readonly p: ProposalView; readonly config: ConfigRecord['config'] }) {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const need = needThreshold(config.governance.need as QuorumNeed, config.orgs);
  const weightOf = (org: string) => (need.weight ? (config.orgs.find((o) => o.id === org)?.weight ?? 0) : 1);
  const yes = Object.entries(p.votes).filter(([, v]) => v.approve);
  const no = Object.entries(p.votes).filter(([, v]) => !v.approve);
  const yesCount = yes.reduce((s, [o]) => s + weightOf(o), 0);
  const notVoted = config.orgs.filter((o) => p.votes[o.id] === undefined);
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }} data-testid={`tally-${p.id}`}>
      <Progress
        percent={Math.min(100, Math.round((yesCount / Math.max(1, need.needed)) * 100))}
        format={() => `${yesCount}/${need.needed}`}
        status={p.status === 'approved' ? 'success' : 'normal'}
        aria-label={t('console.governance.progress')}
      />
      <Typography.Text>
        {t(need.weight ? 'console.governance.needWeight' : 'console.governance.need', {
          needed: need.needed,
          total: need.total,
        })}
      </Typography.Text>
      <span>
        <CheckOutlined style={{ color: '#2e7d32' }} /> {t('console.governance.yes')}:{' '}
        {yes.length === 0 ? '—' : yes.map(([o]) => orgs.name(o)).join('、')}
      </span>
      <span>
        <CloseOutlined style={{ color: '#b3261e' }} /> {t('console.governance.no')}:{' '}
        {no.length === 0 ? '—' : no.map(([o]) => orgs.name(o)).join('、')}
      </span>
      {p.status === 'open' && (
        <Typography.Text type="secondary">
          {t('console.governance.notVoted')}:{' '}
          {notVoted.length === 0 ? '—' : notVoted.map((o) => orgs.name(o.id)).join('、')}
        </Typography.Text>
      )}
    </Space>
  );
}

function VoteButtons({ p, onVoted }: { readonly p: ProposalView; onVoted(): void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const session = useStaffSession();
  const orgs = useOrgs();
  const [error, setError] = useState<unknown>(undefined);
  const org = session.identity.org ?? '';
  const mine = p.votes[org];
  if (mine !== undefined) {
    return (
      <Alert
        type="success"
        showIcon
        data-testid={`voted-${p.id}`}
        title={t(mine.approve ? 'console.governance.votedYes' : 'console.governance.votedNo', {
          org: orgs.name(org),
          member: mine.member,
        })}
      />
    );
  }
  function vote(approve: boolean) {
    modal.confirm({
      title: t(approve ? 'console.governance.confirmYes' : 'console.governance.confirmNo'),
      content: t('console.governance.confirmText', { org: orgs.name(org) }),
      okText: t(approve ? 'console.governance.voteYes' : 'console.governance.voteNo'),
      cancelText: t('common.cancel'),
      okButtonProps: { danger: !approve, 'data-testid': 'confirm-ok' },
      onOk: async () => {
        setError(undefined);
        try {
          await submitCall(session, voteOnProposalTx({ proposal: p.id, approve }));
          onVoted();
        } catch (e) {
          setError(e);
        }
      },
    });
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Button type="primary" icon={<CheckOutlined />} onClick={() => vote(true)} data-testid={`vote-yes-${p.id}`}>
          {t('console.governance.voteYes')}
        </Button>
        <Button danger icon={<CloseOutlined />} onClick={() => vote(false)} data-testid={`vote-no-${p.id}`}>
          {t('console.governance.voteNo')}
        </Button>
      </Space>
      {error !== undefined && <ErrorAlert error={error} />}
    </Space>
  );
}

function ProposalCard({
  p,
  config,
  mayVote,
  onVoted,
}: {
  readonly p: ProposalView;
  readonly config: ConfigRecord['config'];
  readonly mayVote: boolean;
  onVoted(): void;
}) {
  const { t } = useTranslation();
  const orgs = useOrgs();
  return (
    <Card
      size="small"
      data-testid={`proposal-${p.id}`}
      title={
        <Space wrap>
          <Tag color={STATUS_COLOURS[p.status]}>{t(`console.governance.status.${p.status}`)}</Tag>
          <span>{t('console.governance.by', { org: orgs.name(p.org) })}</span>
          <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
            <TimeText ms={p.time} />
          </Typography.Text>
        </Space>
      }
    >
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        {p.note !== undefined && <Typography.Paragraph style={{ margin: 0 }}>{p.note}</Typography.Paragraph>}
        <div>
          {p.actions.map((a, i) => (
            <ActionSummary key={i} action={a} />
          ))}
        </div>
        <Tally p={p} config={config} />
        {p.status === 'open' && (
          <Typography.Text type="secondary">
            {t('console.governance.expires')} <TimeText ms={p.expiresAt} />
          </Typography.Text>
        )}
        {p.failure !== undefined && <Alert type="error" showIcon title={`${p.failure.code}: ${p.failure.message}`} />}
        {p.configVersion !== undefined && (
          <Typography.Text type="secondary">
            {t('console.governance.enacted', { version: p.configVersion })}
          </Typography.Text>
        )}
        {p.status === 'open' && mayVote && <VoteButtons p={p} onVoted={onVoted} />}
        <Collapse
          size="small"
          items={[
            {
              key: 'details',
              label: t('console.governance.details'),
              children: (
                <Space direction="vertical" style={{ width: '100%' }}>
                  <Descriptions column={1} size="small">
                    <Descriptions.Item label={t('console.governance.id')}>
                      <Hash value={p.id} />
                    </Descriptions.Item>
                    <Descriptions.Item label={t('common.height')}>{p.height}</Descriptions.Item>
                    <Descriptions.Item label={t('console.governance.baseVersion')}>{p.baseVersion}</Descriptions.Item>
                  </Descriptions>
                  <List
                    size="small"
                    header={t('console.governance.votes')}
                    dataSource={Object.entries(p.votes)}
                    locale={{ emptyText: t('console.governance.noVotes') }}
                    renderItem={([org, v]) => (
                      <List.Item>
                        {orgs.name(org)} · {v.member} ·{' '}
                        {v.approve ? t('console.governance.yes') : t('console.governance.no')} · {t('common.height')}{' '}
                        {v.height}
                      </List.Item>
                    )}
                  />
                  <Typography.Text type="secondary">{t('console.governance.actionsJson')}</Typography.Text>
                  <pre style={{ maxHeight: 320, overflow: 'auto', fontSize: 12, background: '#f6f8fa', padding: 8 }}>
                    {JSON.stringify(p.actions, null, 2)}
                  </pre>
                </Space>
              ),
            },
          ]}
        />
      </Space>
    </Card>
  );
}

function GovernanceBody() {
  const { t } = useTranslation();
  const session = useStaffSession();
  const [tick, setTick] = useState(0);
  const [show, setShow] = useState<'open' | 'closed'>('open');
  const loaded = useLoad(async () => {
    const [proposals, config] = await Promise.all([getProposals(session.client), loadConfig(tick > 0)]);
    return { proposals: proposals.proposals as unknown as ProposalView[], config };
  }, [session, tick]);
  return (
    <LoadView loaded={loaded}>
      {({ proposals, config }) => {
        const mayVote = mayCall(config, session.identity, 'gov', 'vote');
        const open = proposals.filter((p) => p.status === 'open');
        const closed = proposals.filter((p) => p.status !== 'open');
        const shown = show === 'open' ? open : closed;
        return (
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
              {t('console.governance.lead')}
            </Typography.Paragraph>
            {!mayVote && (
              <Alert type="info" showIcon title={t('console.governance.notVoter')} data-testid="governance-not-voter" />
            )}
            <Segmented<'open' | 'closed'>
              aria-label={t('console.governance.filter')}
              value={show}
              onChange={setShow}
              options={[
                { value: 'open', label: t('console.governance.open', { n: open.length }) },
                { value: 'closed', label: t('console.governance.closed', { n: closed.length }) },
              ]}
            />
            {shown.length === 0 ? (
              <Card>
                <Empty
                  description={t(show === 'open' ? 'console.governance.noneOpen' : 'console.governance.noneClosed')}
                />
              </Card>
            ) : (
              shown.map((p) => (
                <ProposalCard
                  key={p.id}
                  p={p}
                  config={config.config}
                  mayVote={mayVote}
                  onVoted={() => setTick((n) => n + 1)}
                />
              ))
            )}
          </Space>
        );
      }}
    </LoadView>
  );
}

export function Governance() {
  const { t } = useTranslation();
  return (
    <ConsolePage title={t('console.governance.title')}>
      <GovernanceBody />
    </ConsolePage>
  );
}
