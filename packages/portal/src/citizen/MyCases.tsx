import { FormOutlined } from '@ant-design/icons';
import type { CaseSummaryView as CaseSummary } from '@lianzheng/protocol';
import { getCase, getMyCases, getWorkflows } from '@lianzheng/sdk';
import { Button, Card, Col, Drawer, Empty, Row, Table, Tag, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLabel } from '../app/label.js';
import { client } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { useSession } from '../app/session.js';
import { Hash, LinkButton, LoadView, PageTitle, RequireSession, TimeText, useLoad } from '../app/ui.js';
import { STATUS_COLOURS } from './cases.js';

function CaseHistory({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { session } = useSession();
  const orgs = useOrgs();
  const c = useLoad(async () => (session === undefined ? undefined : await getCase(session.client, id)), [id, session]);
  return (
    <LoadView loaded={c}>
      {(value) => {
        const history = value?.history ?? [];
        return (
          <Timeline
            items={history.map((h) => ({
              color: h.action === 'reject' ? 'red' : h.action === 'approve' ? 'green' : 'blue',
              content: (
                <div>
                  <Typography.Text strong>
                    {i18n.exists(`citizen.cases.actions.${h.action}`)
                      ? t(`citizen.cases.actions.${h.action}`)
                      : h.action}
                  </Typography.Text>{' '}
                  <Typography.Text type="secondary">
                    <TimeText ms={h.time} /> ·{' '}
                    {h.actor.kind === 'member' ? orgs.name(h.actor.org) : t('citizen.cases.applicant')}
                  </Typography.Text>
                  {h.late === true && <Tag color="red">{t('citizen.cases.breached')}</Tag>}
                  {h.comment !== undefined && <div>{h.comment}</div>}
                </div>
              ),
            }))}
          />
        );
      }}
    </LoadView>
  );
}

function Services() {
  const { t } = useTranslation();
  const label = useLabel();
  const orgs = useOrgs();
  const workflows = useLoad(() => getWorkflows(client).then((r) => r.workflows), []);
  return (
    <LoadView loaded={workflows}>
      {(list) => (
        <Row gutter={[16, 16]}>
          {list.map((w) => (
            <Col xs={24} sm={12} lg={8} key={w.id}>
              <Card
                size="small"
                title={label(w.title, w.id)}
                extra={<Typography.Text type="secondary">{orgs.name(w.owner)}</Typography.Text>}
              >
                <Typography.Paragraph type="secondary" style={{ minHeight: 44 }}>
                  {label(w.description)}
                </Typography.Paragraph>
                <LinkButton
                  to={`/me/apply/${w.id}`}
                  type="primary"
                  icon={<FormOutlined />}
                  data-testid={`apply-${w.id}`}
                >
                  {t('citizen.cases.apply')}
                </LinkButton>
              </Card>
            </Col>
          ))}
        </Row>
      )}
    </LoadView>
  );
}

function Mine() {
  const { t } = useTranslation();
  const label = useLabel();
  const { session } = useSession();
  const [open, setOpen] = useState<CaseSummary | undefined>(undefined);
  const cases = useLoad(async () => (session === undefined ? [] : (await getMyCases(session.client)).cases), [session]);
  return (
    <Card title={t('citizen.cases.mine')} extra={<Button onClick={cases.reload}>{t('common.refresh')}</Button>}>
      <LoadView loaded={cases}>
        {(list) =>
          list.length === 0 ? (
            <Empty description={t('citizen.cases.none')} />
          ) : (
            <Table<CaseSummary>
              rowKey="id"
              dataSource={list}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              scroll={{ x: true }}
              data-testid="my-cases"
              onRow={(c) => ({ onClick: () => setOpen(c), style: { cursor: 'pointer' } })}
              columns={[
                {
                  title: t('citizen.cases.workflow'),
                  render: (_, c) => (
                    <Typography.Link onClick={() => setOpen(c)}>{label(c.title, c.workflow)}</Typography.Link>
                  ),
                },
                {
                  title: t('citizen.cases.status'),
                  render: (_, c) => (
                    <Tag color={STATUS_COLOURS[c.status]} data-testid="case-status" data-status={c.status}>
                      {t(`citizen.cases.statuses.${c.status}`)}
                    </Tag>
                  ),
                },
                {
                  title: t('citizen.cases.step'),
                  render: (_, c) => (c.status === 'open' ? label(c.stepTitle, c.step) : '—'),
                },
                { title: t('citizen.cases.filed'), render: (_, c) => <TimeText ms={c.createdAt} /> },
                { title: t('citizen.cases.updated'), render: (_, c) => <TimeText ms={c.updatedAt} /> },
              ]}
            />
          )
        }
      </LoadView>
      <Drawer
        open={open !== undefined}
        onClose={() => setOpen(undefined)}
        title={open === undefined ? '' : label(open.title)}
        size="large"
      >
        {open !== undefined && (
          <>
            <Typography.Paragraph>
              {t('citizen.cases.caseId')}: <Hash value={open.id} />
            </Typography.Paragraph>
            <Typography.Title level={5}>{t('citizen.cases.history')}</Typography.Title>
            <CaseHistory id={open.id} />
          </>
        )}
      </Drawer>
    </Card>
  );
}

export function MyCases() {
  const { t } = useTranslation();
  return (
    <RequireSession>
      <PageTitle title={t('citizen.cases.title')} />
      <Typography.Title level={3} style={{ fontSize: 18 }}>
        {t('citizen.cases.services')}
      </Typography.Title>
      <Services />
      <div style={{ height: 24 }} />
      <Mine />
    </RequireSession>
  );
}
