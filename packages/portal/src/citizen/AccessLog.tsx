import { consortiumFromGenesis, portableSuite } from '@lianzheng/protocol';
import {
  type AccessLogItem,
  getAccessLog,
  getMyPrivacy,
  getPrivacyCatalogue,
  grantConsentTx,
  revokeConsentTx,
  verifyAccessLogItem,
} from '@lianzheng/sdk';
import { App, Button, Card, Empty, Form, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useLabel } from '../app/label.js';
import { client, pinnedGenesis, trustAnchor } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { type Session, useSession } from '../app/session.js';
import { submitSigned } from '../app/tx.js';
import { ErrorAlert, errorCode, Hash, LoadView, PageTitle, RequireSession, TimeText, useLoad } from '../app/ui.js';

async function signer(session: Session) {
  const { chainId } = await trustAnchor();
  return { suite: session.suite, chainId, publicKey: session.key.publicKey, sign: session.signer };
}

function VerifyEntry({ item }: { item: AccessLogItem }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'idle' | 'busy' | 'ok' | unknown>('idle');
  if (state === 'ok')
    return (
      <Tag color="success" data-testid="entry-verified">
        {t('citizen.access.verified')}
      </Tag>
    );
  return (
    <Space>
      <Button
        size="small"
        loading={state === 'busy'}
        onClick={async () => {
          setState('busy');
          try {
            const genesis = await pinnedGenesis();
            verifyAccessLogItem(portableSuite(genesis.suite), consortiumFromGenesis(genesis), item);
            setState('ok');
          } catch (e) {
            setState(e);
          }
        }}
      >
        {t('citizen.access.verify')}
      </Button>
      {state !== 'idle' && state !== 'busy' && <Tag color="error">{errorCode(state) ?? t('common.proof.failed')}</Tag>}
    </Space>
  );
}

function Consents({ session }: { session: Session }) {
  const { t } = useTranslation();
  const label = useLabel();
  const orgs = useOrgs();
  const { modal } = App.useApp();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  // What the last grant or withdrawal did, in words: the table changes silently, a screen reader hears this.
  const [done, setDone] = useState('');
  const data = useLoad(async () => {
    const [mine, catalogue] = await Promise.all([getMyPrivacy(session.client), getPrivacyCatalogue(client)]);
    return { mine, catalogue };
  }, [session]);
  return (
    <LoadView loaded={data}>
      {({ mine, catalogue }) => {
        const purpose = (id: string) => label(catalogue.purposes.find((p) => p.id === id)?.title, id);
        return (
          <Space direction="vertical" size="large" style={{ width: '100%' }}>
            <Card title={t('citizen.access.consents')}>
              <div role="status" className="lz-sr-only" data-testid="consent-done">
                {done}
              </div>
              {error !== undefined && <ErrorAlert error={error} />}
              {mine.consents.length === 0 ? (
                <Empty description={t('citizen.access.consentsNone')} />
              ) : (
                <Table
                  rowKey="id"
                  size="small"
                  pagination={false}
                  scroll={{ x: true }}
                  data-testid="consents"
                  dataSource={mine.consents}
                  columns={[
                    { title: t('citizen.access.org'), render: (_, c) => orgs.name(c.org) },
                    { title: t('citizen.access.purpose'), render: (_, c) => purpose(c.purpose) },
                    {
                      // The chain records a consent's block heights, not times (PROTOCOL.md §19).
                      title: t('citizen.access.grantedAt'),
                      render: (_, c) => (
                        <Link to={`/explorer/blocks/${c.grantedAt}`} data-testid="consent-granted-at">
                          {t('citizen.access.block', { height: c.grantedAt })}
                        </Link>
                      ),
                    },
                    {
                      title: t('common.status'),
                      render: (_, c) =>
                        c.active ? (
                          <Tag color="success" data-testid="consent-status" data-active="true">
                            {t('citizen.access.active')}
                          </Tag>
                        ) : (
                          <Space size={4} wrap>
                            <Tag data-testid="consent-status" data-active="false">
                              {t('citizen.access.inactive')}
                            </Tag>
                            {c.revokedAt !== undefined && (
                              <Typography.Text type="secondary">
                                {t('citizen.access.revokedFrom', { height: c.revokedAt })}
                              </Typography.Text>
                            )}
                          </Space>
                        ),
                    },
                    {
                      title: t('common.actions'),
                      render: (_, c) =>
                        c.active && (
                          <Button
                            size="small"
                            danger
                            data-testid="consent-revoke"
                            onClick={() =>
                              modal.confirm({
                                title: t('citizen.access.revoke'),
                                content: t('citizen.access.revokeConfirm'),
                                okButtonProps: { danger: true, 'data-testid': 'consent-revoke-ok' },
                                onOk: async () => {
                                  setError(undefined);
                                  setDone('');
                                  try {
                                    await submitSigned(
                                      session,
                                      await revokeConsentTx(await signer(session), { consent: c.id }),
                                    );
                                    setDone(
                                      t('citizen.access.revoked', {
                                        org: orgs.name(c.org),
                                        purpose: purpose(c.purpose),
                                      }),
                                    );
                                    data.reload();
                                  } catch (e) {
                                    setError(e);
                                  }
                                },
                              })
                            }
                          >
                            {t('citizen.access.revoke')}
                          </Button>
                        ),
                    },
                  ]}
                />
              )}
            </Card>
            <Card title={t('citizen.access.grantTitle')}>
              <Form
                layout="inline"
                data-testid="consent-grant-form"
                onFinish={async (v: { org: string; purpose: string }) => {
                  setBusy(true);
                  setError(undefined);
                  setDone('');
                  try {
                    await submitSigned(
                      session,
                      await grantConsentTx(await signer(session), { org: v.org, purpose: v.purpose }),
                    );
                    setDone(t('citizen.access.granted', { org: orgs.name(v.org), purpose: purpose(v.purpose) }));
                    data.reload();
                  } catch (e) {
                    setError(e);
                  } finally {
                    setBusy(false);
                  }
                }}
              >
                <Form.Item
                  name="org"
                  label={t('citizen.access.org')}
                  rules={[{ required: true, message: t('common.form.required', { field: t('citizen.access.org') }) }]}
                >
                  <Select
                    style={{ width: 200 }}
                    options={orgs.list.map((o) => ({ value: o.id, label: orgs.name(o.id) }))}
                  />
                </Form.Item>
                <Form.Item
                  name="purpose"
                  label={t('citizen.access.purpose')}
                  rules={[
                    { required: true, message: t('common.form.required', { field: t('citizen.access.purpose') }) },
                  ]}
                >
                  <Select
                    style={{ width: 240 }}
                    options={catalogue.purposes.map((p) => ({ value: p.id, label: label(p.title, p.id) }))}
                  />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={busy} data-testid="consent-grant">
                  {t('citizen.access.grant')}
                </Button>
              </Form>
            </Card>
            <Card title={t('citizen.access.records')}>
              <Table
                rowKey="id"
                size="small"
                pagination={false}
                scroll={{ x: true }}
                dataSource={mine.records as unknown as { id: string; category: string; org?: string }[]}
                columns={[
                  { title: 'ID', render: (_, r) => <Hash value={r.id} /> },
                  {
                    title: t('citizen.access.category'),
                    render: (_, r) => label(catalogue.categories.find((c) => c.id === r.category)?.title, r.category),
                  },
                  { title: t('citizen.access.org'), render: (_, r) => orgs.name(r.org) },
                ]}
              />
            </Card>
          </Space>
        );
      }}
    </LoadView>
  );
}

function Log({ session }: { session: Session }) {
  const { t } = useTranslation();
  const label = useLabel();
  const orgs = useOrgs();
  const data = useLoad(async () => {
    const [log, catalogue] = await Promise.all([getAccessLog(session.client), getPrivacyCatalogue(client)]);
    return { log, catalogue };
  }, [session]);
  return (
    <Card title={t('citizen.access.title')} extra={<Button onClick={data.reload}>{t('common.refresh')}</Button>}>
      <LoadView loaded={data}>
        {({ log, catalogue }) =>
          log.entries.length === 0 ? (
            <Empty description={t('citizen.access.none')} />
          ) : (
            <Table<AccessLogItem>
              rowKey="key"
              size="middle"
              data-testid="access-log"
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              scroll={{ x: true }}
              dataSource={log.entries}
              columns={[
                { title: t('citizen.access.time'), render: (_, i) => <TimeText ms={i.entry.time} /> },
                {
                  title: t('citizen.access.reader'),
                  render: (_, i) =>
                    i.entry.reader.kind === 'member' ? (
                      <span data-testid="reader">
                        {orgs.name(i.entry.reader.org)} · {i.entry.reader.member}
                      </span>
                    ) : (
                      t('citizen.access.you')
                    ),
                },
                {
                  title: t('citizen.access.purpose'),
                  render: (_, i) =>
                    label(catalogue.purposes.find((p) => p.id === i.entry.purpose)?.title, i.entry.purpose),
                },
                {
                  title: t('citizen.access.decision'),
                  render: (_, i) =>
                    i.entry.decision === 'allowed' ? (
                      <Tag color="success">{t('citizen.access.allowed')}</Tag>
                    ) : (
                      <Tag color="error">{t('citizen.access.denied')}</Tag>
                    ),
                },
                {
                  title: t('citizen.access.case'),
                  render: (_, i) => (i.entry.case === undefined ? '—' : <Hash value={i.entry.case} />),
                },
                { title: t('common.proof.verified'), render: (_, i) => <VerifyEntry item={i} /> },
              ]}
            />
          )
        }
      </LoadView>
    </Card>
  );
}

export function AccessLog() {
  const { t } = useTranslation();
  const { session } = useSession();
  return (
    <RequireSession>
      <PageTitle title={t('citizen.access.title')} />
      <Typography.Paragraph style={{ maxWidth: 760 }}>{t('citizen.access.lead')}</Typography.Paragraph>
      {session !== undefined && (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <Log session={session} />
          <Consents session={session} />
        </Space>
      )}
    </RequireSession>
  );
}
