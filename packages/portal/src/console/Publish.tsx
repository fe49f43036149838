import { type NotaryAlgorithm, RECORD_ID_PATTERN, RECORD_LIMITS } from '@lianzheng/protocol';
import {
  getRecord,
  getRecords,
  type PublishRecordArgs,
  publishRecordTx,
  type RecordCategory,
  type RecordSummary,
  withdrawRecordTx,
} from '@lianzheng/sdk';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { client, trustAnchor } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { isCode, submitCall } from '../app/tx.js';
import { ErrorAlert, LoadView, TimeText, useLoad } from '../app/ui.js';
import { CATEGORY_COLOURS, RECORD_CATEGORIES } from '../public/Records.js';
import { AttachmentPicker, type HashedFile } from './AttachmentPicker.js';
import { ConsolePage, useStaffSession } from './ConsoleLayout.js';
import { loadConfig, mayCall } from './consortium.js';

const SUPERSEDES = /^[a-z][a-z0-9-]{1,31}\/[a-z0-9][a-z0-9-]{0,63}$/;
const CONTROL = /\p{Cc}/u;

interface PublishValues {
  readonly id: string;
  readonly category: RecordCategory;
  readonly title: string;
  readonly summary?: string;
  readonly body: string;
  readonly tags?: string[];
  readonly effective?: { format(template: string): string } | null;
  readonly supersedes?: string;
}

function PublishForm({ org, onPublished }: { readonly org: string; onPublished(): void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const session = useStaffSession();
  const [form] = Form.useForm<PublishValues>();
  const alg = useLoad(
    async (): Promise<NotaryAlgorithm> => ((await trustAnchor()).suite === 'sm2-sm3' ? 'sm3' : 'sha256'),
    [],
  );
  const [attachments, setAttachments] = useState<readonly HashedFile[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [published, setPublished] = useState<{ id: string; title: string; version: number } | undefined>(undefined);

  function argsOf(v: PublishValues): PublishRecordArgs {
    const summary = v.summary?.trim() ?? '';
    const supersedes = v.supersedes?.trim() ?? '';
    return {
      id: v.id.trim(),
      category: v.category,
      title: v.title.trim(),
      body: v.body,
      ...(summary === '' ? {} : { summary }),
      ...(v.tags === undefined || v.tags.length === 0 ? {} : { tags: v.tags.map((tag) => tag.trim()) }),
      ...(v.effective === undefined || v.effective === null ? {} : { effective: v.effective.format('YYYY-MM-DD') }),
      ...(supersedes === '' ? {} : { supersedes }),
      ...(attachments.length === 0
        ? {}
        : { attachments: attachments.map((a) => ({ name: a.name, alg: a.alg, hash: a.hash, size: a.size })) }),
    };
  }

  async function publish(args: PublishRecordArgs, version: number) {
    setBusy(true);
    setError(undefined);
    try {
      await submitCall(session, publishRecordTx(args));
      setPublished({ id: args.id, title: args.title, version });
      form.resetFields();
      setAttachments([]);
      onPublished();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function confirm() {
    let values: PublishValues;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    const args = argsOf(values);
    setPublished(undefined);
    setError(undefined);
    // Publishing under an existing id adds a version; a withdrawn record cannot be published again.
    let latest = 0;
    try {
      const existing = await getRecord(client, org, args.id);
      if (existing.head.withdrawn !== undefined) {
        form.setFields([{ name: 'id', errors: [t('console.records.idWithdrawn')] }]);
        return;
      }
      latest = existing.head.latest;
    } catch (e) {
      if (!isCode(e, 'RECORD_NOT_FOUND')) {
        setError(e);
        return;
      }
    }
    modal.confirm({
      title:
        latest === 0 ? t('console.records.confirmTitle') : t('console.records.confirmVersion', { version: latest + 1 }),
      content: t('console.records.confirmText'),
      okText: t('console.records.publish'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-ok' },
      onOk: () => publish(args, latest + 1),
    });
  }

  const oneLine = (field: string) => ({
    validator: async (_: unknown, v: unknown) => {
      if (typeof v === 'string' && CONTROL.test(v)) throw new Error(t('console.records.oneLine', { field }));
    },
  });

  return (
    <Card title={t('console.records.publishTitle')}>
      <Typography.Paragraph type="secondary">{t('console.records.publishLead')}</Typography.Paragraph>
      <Form<PublishValues> form={form} layout="vertical" style={{ maxWidth: 760 }} disabled={busy}>
        <Form.Item
          name="id"
          label={t('console.records.id')}
          extra={t('console.records.idHelp')}
          rules={[
            { required: true, message: t('console.records.required', { field: t('console.records.id') }) },
            { pattern: RECORD_ID_PATTERN, message: t('console.records.idPattern') },
          ]}
          data-testid="record-id"
        >
          <Input maxLength={64} placeholder="business-start-2026" />
        </Form.Item>
        <Form.Item
          name="category"
          label={t('console.records.category')}
          rules={[{ required: true, message: t('console.records.required', { field: t('console.records.category') }) }]}
          data-testid="record-category"
        >
          <Select
            aria-label={t('console.records.category')}
            options={RECORD_CATEGORIES.map((c) => ({ value: c, label: t(`public.records.category.${c}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="title"
          label={t('console.records.titleField')}
          rules={[
            {
              required: true,
              whitespace: true,
              message: t('console.records.required', { field: t('console.records.titleField') }),
            },
            { max: RECORD_LIMITS.title, message: t('console.records.max', { n: RECORD_LIMITS.title }) },
            oneLine(t('console.records.titleField')),
          ]}
          data-testid="record-title"
        >
          <Input maxLength={RECORD_LIMITS.title} />
        </Form.Item>
        <Form.Item
          name="summary"
          label={t('console.records.summary')}
          rules={[{ max: RECORD_LIMITS.summary, message: t('console.records.max', { n: RECORD_LIMITS.summary }) }]}
          data-testid="record-summary"
        >
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} maxLength={RECORD_LIMITS.summary} showCount />
        </Form.Item>
        <Form.Item
          name="body"
          label={t('console.records.body')}
          extra={t('console.records.bodyHelp')}
          rules={[
            {
              required: true,
              whitespace: true,
              message: t('console.records.required', { field: t('console.records.body') }),
            },
            {
              validator: async (_, v: unknown) => {
                if (typeof v === 'string' && new TextEncoder().encode(v).length > RECORD_LIMITS.bodyBytes)
                  throw new Error(t('console.records.bodyTooLong'));
              },
            },
          ]}
          data-testid="record-body-input"
        >
          <Input.TextArea autoSize={{ minRows: 6, maxRows: 20 }} />
        </Form.Item>
        <Form.Item
          name="tags"
          label={t('console.records.tags')}
          extra={t('console.records.tagsHelp', { n: RECORD_LIMITS.tags })}
          rules={[
            {
              validator: async (_, v: unknown) => {
                const tags = (v ?? []) as string[];
                if (tags.length > RECORD_LIMITS.tags)
                  throw new Error(t('console.records.tooManyTags', { n: RECORD_LIMITS.tags }));
                if (tags.some((tag) => tag.trim() === '' || tag.length > RECORD_LIMITS.tag || CONTROL.test(tag)))
                  throw new Error(t('console.records.badTag', { n: RECORD_LIMITS.tag }));
              },
            },
          ]}
          data-testid="record-tags"
        >
          <Select mode="tags" aria-label={t('console.records.tags')} open={false} tokenSeparators={[',', '，']} />
        </Form.Item>
        <Form.Item name="effective" label={t('console.records.effective')} data-testid="record-effective">
          <DatePicker aria-label={t('console.records.effective')} />
        </Form.Item>
        <Form.Item
          name="supersedes"
          label={t('console.records.supersedes')}
          extra={t('console.records.supersedesHelp')}
          rules={[{ pattern: SUPERSEDES, message: t('console.records.supersedesPattern') }]}
        >
          <Input placeholder={`${org}/registration-fees`} />
        </Form.Item>
        <Form.Item label={t('console.records.attachments')}>
          <LoadView loaded={alg}>
            {(a) => (
              <AttachmentPicker
                alg={a}
                value={attachments}
                onChange={setAttachments}
                max={RECORD_LIMITS.attachments}
                testId="record-attach"
              />
            )}
          </LoadView>
        </Form.Item>
      </Form>
      {error !== undefined && (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} />
        </div>
      )}
      {published !== undefined && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="record-published"
          title={t('console.records.published', { title: published.title, version: published.version })}
          description={
            <Link to={`/records/${org}/${published.id}`} data-testid="published-link">
              {t('console.records.view')}
            </Link>
          }
        />
      )}
      <Button type="primary" onClick={() => void confirm()} loading={busy} data-testid="record-publish">
        {t('console.records.publish')}
      </Button>
    </Card>
  );
}

function WithdrawDialog({
  record,
  onClose,
  onDone,
}: {
  readonly record: RecordSummary;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const session = useStaffSession();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      await submitCall(session, withdrawRecordTx({ id: record.id, reason: reason.trim() }));
      onDone();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  return (
    <Modal
      open
      title={t('console.records.withdrawTitle', { title: record.title })}
      okText={t('console.records.withdraw')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: reason.trim() === '', 'data-testid': 'withdraw-confirm' }}
      confirmLoading={busy}
      onOk={() => void run()}
      onCancel={onClose}
    >
      <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('console.records.withdrawWarning')} />
      <Form layout="vertical">
        <Form.Item label={t('console.records.reason')} required htmlFor="withdraw-reason">
          <Input.TextArea
            id="withdraw-reason"
            data-testid="withdraw-reason"
            value={reason}
            maxLength={RECORD_LIMITS.reason}
            showCount
            autoSize={{ minRows: 2, maxRows: 5 }}
            onChange={(e) => setReason(e.target.value)}
          />
        </Form.Item>
      </Form>
      {error !== undefined && <ErrorAlert error={error} />}
    </Modal>
  );
}

function OwnRecords({
  org,
  canWithdraw,
  tick,
}: {
  readonly org: string;
  readonly canWithdraw: boolean;
  readonly tick: number;
}) {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const list = useLoad(() => getRecords(client, { org, limit: 100 }), [org, tick]);
  const [withdrawing, setWithdrawing] = useState<RecordSummary | undefined>(undefined);
  const columns: TableColumnsType<RecordSummary> = [
    {
      title: t('console.records.titleField'),
      key: 'title',
      render: (_, r) => <Link to={`/records/${r.org}/${r.id}`}>{r.title}</Link>,
    },
    {
      title: t('console.records.category'),
      key: 'category',
      render: (_, r) => <Tag color={CATEGORY_COLOURS[r.category]}>{t(`public.records.category.${r.category}`)}</Tag>,
    },
    { title: t('console.records.version'), key: 'version', render: (_, r) => r.version },
    { title: t('public.records.published'), key: 'time', render: (_, r) => <TimeText ms={r.publishedAt} /> },
    {
      title: t('common.status'),
      key: 'status',
      render: (_, r) =>
        r.withdrawn ? (
          <Tag color="red">{t('public.records.withdrawn')}</Tag>
        ) : (
          <Tag color="green">{t('console.records.inForce')}</Tag>
        ),
    },
    ...(canWithdraw
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, r: RecordSummary) =>
              r.withdrawn ? null : (
                <Button size="small" danger onClick={() => setWithdrawing(r)} data-testid={`withdraw-${r.id}`}>
                  {t('console.records.withdraw')}
                </Button>
              ),
          },
        ]
      : []),
  ];
  return (
    <Card
      title={t('console.records.ownTitle', { org: orgs.name(org) })}
      extra={<Button onClick={list.reload}>{t('common.refresh')}</Button>}
    >
      <LoadView loaded={list}>
        {(page) => (
          <Table<RecordSummary>
            rowKey={(r) => `${r.org}/${r.id}`}
            size="small"
            columns={columns}
            dataSource={[...page.items]}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: t('console.records.none') }}
          />
        )}
      </LoadView>
      {withdrawing !== undefined && (
        <WithdrawDialog
          record={withdrawing}
          onClose={() => setWithdrawing(undefined)}
          onDone={() => {
            setWithdrawing(undefined);
            list.reload();
          }}
        />
      )}
    </Card>
  );
}

function PublishBody() {
  const { t } = useTranslation();
  const session = useStaffSession();
  const config = useLoad(() => loadConfig(), []);
  const [tick, setTick] = useState(0);
  const org = session.identity.org ?? '';
  return (
    <LoadView loaded={config}>
      {(c) => {
        const may = mayCall(c, session.identity, 'records', 'publish');
        return (
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            {may ? (
              <PublishForm org={org} onPublished={() => setTick((n) => n + 1)} />
            ) : (
              <Alert
                type="info"
                showIcon
                data-testid="records-not-publisher"
                title={t('console.records.notPublisher')}
                description={t('console.records.notPublisherText', { key: `${org}-publisher` })}
              />
            )}
            <OwnRecords org={org} canWithdraw={mayCall(c, session.identity, 'records', 'withdraw')} tick={tick} />
          </Space>
        );
      }}
    </LoadView>
  );
}

export function Publish() {
  const { t } = useTranslation();
  return (
    <ConsolePage title={t('console.records.title')}>
      <PublishBody />
    </ConsolePage>
  );
}
