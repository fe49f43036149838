import {
  assertTxProof,
  type BlockView,
  consortiumFromGenesis,
  portableSuite,
  verifyTxProof,
} from '@lianzheng/protocol';
import { getBlock, getTransaction, getTransactionProof } from '@lianzheng/sdk';
import { Alert, Button, Card, Descriptions, Input, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { client, pinnedGenesis } from '../app/node.js';
import { ErrorAlert, Hash, LoadView, PageTitle, TimeText, useLoad } from '../app/ui.js';

const PAGE = 15;
/** Contracts whose arguments concern personal data (commitments only, but nothing a passer-by needs to see). */
const HIDDEN_ARGS = new Set(['privacy']);

function SearchBox() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [bad, setBad] = useState(false);
  return (
    <Space.Compact style={{ maxWidth: 520, width: '100%' }}>
      <Input.Search
        aria-label={t('public.explorer.search')}
        placeholder={t('public.explorer.search')}
        allowClear
        status={bad ? 'error' : ''}
        onSearch={(v) => {
          const q = v.trim();
          if (/^\d{1,12}$/.test(q)) navigate(`/explorer/blocks/${q}`);
          else if (/^[0-9a-f]{64}$/i.test(q)) navigate(`/explorer/tx/${q.toLowerCase()}`);
          else setBad(q !== '');
        }}
      />
      {bad && <Typography.Text type="danger">{t('public.explorer.searchBad')}</Typography.Text>}
    </Space.Compact>
  );
}

export function Explorer() {
  const { t } = useTranslation();
  const [top, setTop] = useState<number | undefined>(undefined);
  const blocks = useLoad(async () => {
    const start = top ?? (await getBlock(client, 'latest')).header.height;
    const heights = Array.from({ length: Math.min(PAGE, start + 1) }, (_, i) => start - i);
    return Promise.all(heights.map((h) => getBlock(client, h)));
  }, [top]);
  return (
    <>
      <PageTitle title={t('public.explorer.title')} extra={<SearchBox />} />
      <Card
        title={t('public.explorer.blocks')}
        extra={
          <Button onClick={() => (top === undefined ? blocks.reload() : setTop(undefined))}>
            {t('common.refresh')}
          </Button>
        }
      >
        <LoadView loaded={blocks}>
          {(list) => (
            <>
              <Table<BlockView>
                rowKey={(b) => b.header.height}
                dataSource={list}
                pagination={false}
                size="middle"
                scroll={{ x: true }}
                columns={[
                  {
                    title: t('common.height'),
                    render: (_, b) => <Link to={`/explorer/blocks/${b.header.height}`}>#{b.header.height}</Link>,
                  },
                  { title: t('common.time'), render: (_, b) => <TimeText ms={b.header.time} /> },
                  { title: t('public.explorer.txs'), render: (_, b) => b.header.txCount },
                  { title: t('public.explorer.hash'), render: (_, b) => <Hash value={b.hash} /> },
                ]}
              />
              {list.length > 0 && list[list.length - 1]!.header.height > 0 && (
                <Button style={{ marginTop: 12 }} onClick={() => setTop(list[list.length - 1]!.header.height - 1)}>
                  {t('common.more')}
                </Button>
              )}
            </>
          )}
        </LoadView>
      </Card>
    </>
  );
}

export function BlockPage() {
  const { t } = useTranslation();
  const height = Number(useParams().height);
  const block = useLoad(() => getBlock(client, height, true), [height]);
  return (
    <>
      <PageTitle
        title={t('public.explorer.block', { height })}
        extra={
          <Space>
            {height > 0 && <Link to={`/explorer/blocks/${height - 1}`}>{t('public.explorer.prev')}</Link>}
            <Link to={`/explorer/blocks/${height + 1}`}>{t('public.explorer.next')}</Link>
          </Space>
        }
      />
      <LoadView loaded={block}>
        {(b) => (
          <Space direction="vertical" size="large" style={{ width: '100%' }}>
            <Card>
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={t('common.time')}>
                  <TimeText ms={b.header.time} />
                </Descriptions.Item>
                <Descriptions.Item label={t('public.explorer.hash')}>
                  <Hash value={b.hash} full />
                </Descriptions.Item>
                <Descriptions.Item label={t('public.explorer.parent')}>
                  {b.header.height > 0 ? (
                    <Link to={`/explorer/blocks/${b.header.height - 1}`}>
                      <Hash value={b.header.parent} />
                    </Link>
                  ) : (
                    '—'
                  )}
                </Descriptions.Item>
                <Descriptions.Item label={t('public.explorer.txRoot')}>
                  <Hash value={b.header.txRoot} />
                </Descriptions.Item>
                <Descriptions.Item label={t('public.explorer.receiptRoot')}>
                  <Hash value={b.header.receiptRoot} />
                </Descriptions.Item>
                <Descriptions.Item label={t('public.explorer.stateRoot')}>
                  <Hash value={b.header.stateRoot} />
                </Descriptions.Item>
                {b.header.rev !== undefined && (
                  <Descriptions.Item label={t('public.explorer.rev')}>{b.header.rev}</Descriptions.Item>
                )}
              </Descriptions>
            </Card>
            <Card title={`${t('public.explorer.transactions')} (${b.header.txCount})`}>
              <Table
                rowKey="id"
                size="small"
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                scroll={{ x: true }}
                dataSource={b.txIds.map((id, i) => ({ id, tx: b.txs?.[i], receipt: b.receipts?.[i] }))}
                columns={[
                  {
                    title: t('public.explorer.txId'),
                    render: (_, r) => (
                      <Link to={`/explorer/tx/${r.id}`}>
                        <Hash value={r.id} />
                      </Link>
                    ),
                  },
                  { title: t('public.explorer.contract'), render: (_, r) => r.tx?.tx.contract },
                  { title: t('public.explorer.method'), render: (_, r) => r.tx?.tx.method },
                  {
                    title: t('public.explorer.result'),
                    render: (_, r) =>
                      r.receipt === undefined ? null : r.receipt.status === 'ok' ? (
                        <Tag color="success">{t('public.explorer.ok')}</Tag>
                      ) : (
                        <Tag color="error">{r.receipt.code ?? t('public.explorer.failedStatus')}</Tag>
                      ),
                  },
                ]}
              />
            </Card>
          </Space>
        )}
      </LoadView>
    </>
  );
}

function ProofCheck({ id }: { id: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<{ ok?: string; error?: unknown; busy?: boolean }>({});
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">{t('common.proof.explain')}</Typography.Paragraph>
      <Button
        type="primary"
        loading={state.busy === true}
        data-testid="verify-tx-proof"
        onClick={async () => {
          setState({ busy: true });
          try {
            const genesis = await pinnedGenesis();
            const suite = portableSuite(genesis.suite);
            const v = verifyTxProof(
              suite,
              consortiumFromGenesis(genesis),
              assertTxProof(await getTransactionProof(client, id), suite),
            );
            setState({ ok: t('public.explorer.proofOk', { height: v.height, orgs: v.orgs.join(', ') }) });
          } catch (error) {
            setState({ error });
          }
        }}
      >
        {t('public.explorer.verifyProof')}
      </Button>
      {state.ok !== undefined && <Alert type="success" showIcon title={state.ok} data-testid="proof-ok" />}
      {state.error !== undefined && <ErrorAlert error={state.error} />}
    </Space>
  );
}

export function TxPage() {
  const { t } = useTranslation();
  const id = useParams().id ?? '';
  const tx = useLoad(() => getTransaction(client, id), [id]);
  return (
    <>
      <PageTitle title={t('public.explorer.tx')} />
      <LoadView loaded={tx}>
        {(s) => {
          if (s.status === 'pending') return <Alert type="info" showIcon title={t('public.explorer.pending')} />;
          if (s.status === 'dropped')
            return (
              <Alert
                type="warning"
                showIcon
                title={t('public.explorer.dropped', { code: s.code })}
                description={s.message}
              />
            );
          const hidden = HIDDEN_ARGS.has(s.tx.tx.contract);
          return (
            <Space direction="vertical" size="large" style={{ width: '100%' }}>
              <Card>
                <Descriptions column={1} size="small" bordered>
                  <Descriptions.Item label={t('public.explorer.txId')}>
                    <Hash value={s.id} full />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('common.height')}>
                    <Link to={`/explorer/blocks/${s.height}`}>#{s.height}</Link>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('common.time')}>
                    <TimeText ms={s.time} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('public.explorer.contract')}>{s.tx.tx.contract}</Descriptions.Item>
                  <Descriptions.Item label={t('public.explorer.method')}>{s.tx.tx.method}</Descriptions.Item>
                  <Descriptions.Item label={t('public.explorer.signer')}>
                    <Hash value={s.tx.tx.signer} />
                  </Descriptions.Item>
                  <Descriptions.Item label={t('public.explorer.result')}>
                    {s.receipt.status === 'ok' ? (
                      <Tag color="success">{t('public.explorer.ok')}</Tag>
                    ) : (
                      <Tag color="error">
                        {s.receipt.code} {s.receipt.message}
                      </Tag>
                    )}
                  </Descriptions.Item>
                  <Descriptions.Item label={t('public.explorer.args')}>
                    {hidden ? (
                      <Typography.Text type="secondary">{t('public.explorer.argsHidden')}</Typography.Text>
                    ) : (
                      <pre
                        style={{
                          margin: 0,
                          whiteSpace: 'pre-wrap',
                          wordBreak: 'break-all',
                          maxHeight: 320,
                          overflow: 'auto',
                        }}
                      >
                        {JSON.stringify(s.tx.tx.args, null, 2)}
                      </pre>
                    )}
                  </Descriptions.Item>
                  {!hidden && s.receipt.events.length > 0 && (
                    <Descriptions.Item label={t('public.explorer.events')}>
                      {s.receipt.events.map((e, i) => (
                        <Tag key={i}>{e.name}</Tag>
                      ))}
                    </Descriptions.Item>
                  )}
                </Descriptions>
              </Card>
              <Card title={t('public.explorer.proof')}>
                <ProofCheck id={s.id} />
              </Card>
            </Space>
          );
        }}
      </LoadView>
    </>
  );
}
