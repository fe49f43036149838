import { ReloadOutlined } from '@ant-design/icons';
import type { CaseStatus, CaseSummaryView as CaseSummary, Label } from '@lianzheng/protocol';
import { getInbox } from '@lianzheng/sdk';
import { Alert, Button, Card, Empty, Table, type TableColumnsType, Tabs, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { LoadView, useLoad } from '../app/ui.js';
import { ConsolePage, useStaffSession } from './ConsoleLayout.js';
import { ActorName, Deadline, useDuration } from './format.js';
import { labelText } from './views.js';

/** What the case page hands back to the inbox after acting: shown at the top until the next navigation. */
export interface ActedState {
  readonly acted: {
    readonly case: string;
    readonly status: CaseStatus;
    readonly stepTitle?: Label;
    readonly outcomeTitle?: Label;
  };
}

function isActedState(v: unknown): v is ActedState {
  return typeof v === 'object' && v !== null && typeof (v as { acted?: { case?: unknown } }).acted?.case === 'string';
}

/** Tasks without a deadline sort last. */
const byDeadline = (a: CaseSummary, b: CaseSummary) =>
  (a.deadlineAt ?? Number.MAX_SAFE_INTEGER) - (b.deadlineAt ?? Number.MAX_SAFE_INTEGER) || a.createdAt - b.createdAt;

function ActedBanner({ state }: { readonly state: ActedState }) {
  const { t, i18n } = useTranslation();
  const { acted } = state;
  const id = `${acted.case.slice(0, 8)}…`;
  const text =
    acted.status === 'open'
      ? t('console.inbox.actedNext', { id, step: labelText(acted.stepTitle, i18n.language) })
      : t('console.inbox.actedDone', {
          id,
          outcome: labelText(acted.outcomeTitle, i18n.language) || t(`console.status.${acted.status}`),
        });
  return <Alert type="success" showIcon closable title={text} style={{ marginBottom: 16 }} data-testid="inbox-acted" />;
}

function TaskTable({ tasks, now }: { readonly tasks: readonly CaseSummary[]; readonly now: number }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const duration = useDuration();
  const columns: TableColumnsType<CaseSummary> = [
    {
      title: t('console.inbox.workflow'),
      key: 'workflow',
      render: (_, task) => labelText(task.title, i18n.language),
    },
    {
      title: t('console.inbox.case'),
      key: 'case',
      render: (_, task) => (
        // The name says what the link does and repeats the number as shown (speech input users say what they see).
        <Link
          to={`/console/cases/${task.id}`}
          aria-label={t('console.inbox.openCase', { id: `${task.id.slice(0, 12)}…` })}
        >
          <Typography.Text code>{task.id.slice(0, 12)}…</Typography.Text>
        </Link>
      ),
    },
    {
      title: t('console.inbox.step'),
      key: 'step',
      render: (_, task) => (
        <>
          {labelText(task.stepTitle, i18n.language) || task.step}
          {task.party !== undefined && <Tag style={{ marginInlineStart: 8 }}>{task.party}</Tag>}
        </>
      ),
    },
    {
      title: t('console.inbox.applicant'),
      key: 'applicant',
      render: (_, task) => <ActorName actor={task.applicant} />,
    },
    {
      title: t('console.inbox.waiting'),
      key: 'waiting',
      sorter: (a, b) => (a.stepSince ?? a.updatedAt) - (b.stepSince ?? b.updatedAt),
      render: (_, task) => duration(now - (task.stepSince ?? task.updatedAt)),
    },
    {
      title: t('console.inbox.deadline'),
      key: 'deadline',
      defaultSortOrder: 'ascend',
      sorter: byDeadline,
      render: (_, task) => <Deadline at={task.deadlineAt} now={now} />,
    },
    {
      title: t('common.actions'),
      key: 'open',
      render: (_, task) => (
        <Button
          type="primary"
          size="small"
          onClick={() => navigate(`/console/cases/${task.id}`)}
          data-testid={`open-case-${task.id}`}
        >
          {t('console.inbox.handle')}
        </Button>
      ),
    },
  ];
  return (
    <div data-testid="inbox-table">
      <Table<CaseSummary>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={[...tasks].sort(byDeadline)}
        pagination={tasks.length > 20 ? { pageSize: 20 } : false}
        scroll={{ x: 'max-content' }}
        rowClassName={(task) => (task.overdue ? 'lz-row-overdue' : '')}
      />
    </div>
  );
}

function InboxBody() {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const location = useLocation();
  const inbox = useLoad(() => getInbox(session.client), [session]);
  const [now, setNow] = useState(() => Date.now());
  const [tab, setTab] = useState('all');
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const tasks = (inbox.data?.tasks ?? []) as unknown as CaseSummary[];
  const workflows = useMemo(() => {
    const seen = new Map<string, { title: Label; count: number }>();
    for (const task of tasks) {
      const w = seen.get(task.workflow);
      seen.set(task.workflow, { title: task.title, count: (w?.count ?? 0) + 1 });
    }
    return [...seen];
  }, [tasks]);
  const overdue = tasks.filter((task) => task.overdue).length;
  return (
    <>
      {isActedState(location.state) && <ActedBanner state={location.state} />}
      <Typography.Paragraph type="secondary">{t('console.inbox.lead')}</Typography.Paragraph>
      <LoadView loaded={inbox}>
        {() =>
          tasks.length === 0 ? (
            <Card>
              <Empty description={t('console.inbox.empty')} data-testid="inbox-empty" />
            </Card>
          ) : (
            <Card
              title={t('console.inbox.count', { count: tasks.length })}
              extra={
                <Button icon={<ReloadOutlined />} onClick={inbox.reload}>
                  {t('common.refresh')}
                </Button>
              }
            >
              {overdue > 0 && (
                <Alert
                  type="error"
                  showIcon
                  style={{ marginBottom: 16 }}
                  title={t('console.inbox.overdueWarning', { count: overdue })}
                />
              )}
              <Tabs
                activeKey={tab}
                onChange={setTab}
                items={[
                  {
                    key: 'all',
                    label: t('console.inbox.all', { n: tasks.length }),
                    children: <TaskTable tasks={tasks} now={now} />,
                  },
                  ...workflows.map(([id, w]) => ({
                    key: id,
                    label: `${labelText(w.title, i18n.language)} (${w.count})`,
                    children: <TaskTable tasks={tasks.filter((task) => task.workflow === id)} now={now} />,
                  })),
                ]}
              />
            </Card>
          )
        }
      </LoadView>
    </>
  );
}

export function Inbox() {
  const { t } = useTranslation();
  return (
    <ConsolePage title={t('console.inbox.title')}>
      <InboxBody />
    </ConsolePage>
  );
}
