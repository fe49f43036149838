import { CheckCircleTwoTone } from '@ant-design/icons';
import { getRecord, type RecordVersion, verifyRecord } from '@lianzheng/sdk';
import { Alert, Button, Card, Col, Descriptions, Row, Segmented, Space, Tag, Timeline, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { contentLang } from '../app/label.js';
import { client, pinnedGenesis } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { ErrorAlert, formatTime, Hash, LoadView, PageTitle, TimeText, useLoad } from '../app/ui.js';
import { CATEGORY_COLOURS } from './Records.js';

/** Verifies one version in the browser: the checkpoint against the pinned genesis, then the state proof. */
function VerifyPanel({ version }: { version: RecordVersion }) {
  const { t, i18n } = useTranslation();
  const orgs = useOrgs();
  const [state, setState] = useState<{
    busy: boolean;
    ok?: { height: number; time: number; orgs: readonly string[]; stateRoot: string };
    error?: unknown;
  }>({ busy: true });
  async function run() {
    setState({ busy: true });
    try {
      const v = await verifyRecord(
        client,
        { genesis: await pinnedGenesis() },
        version.org,
        version.id,
        version.version,
      );
      // The proven value must be what this page shows.
      if (v.record.body !== version.body || v.record.title !== version.title)
        throw new Error('the shown text differs from the proven one');
      setState({ busy: false, ok: v });
    } catch (error) {
      setState({ busy: false, error });
    }
  }
  useEffect(() => {
    void run();
  }, [version.org, version.id, version.version]);
  return (
    <Card title={t('public.records.verifyTitle')}>
      <Typography.Paragraph type="secondary">{t('common.proof.explain')}</Typography.Paragraph>
      {state.busy && <Alert type="info" showIcon title={t('common.proof.pending')} />}
      {state.ok !== undefined && (
        <Alert
          type="success"
          showIcon
          icon={<CheckCircleTwoTone twoToneColor="#2e7d32" />}
          data-testid="record-verified"
          title={t('common.proof.verified')}
          description={
            <Space direction="vertical" size={2}>
              <span>
                {t('public.records.verified', {
                  height: state.ok.height,
                  orgs: state.ok.orgs.map((o) => orgs.name(o)).join('、'),
                })}
              </span>
              <span>{formatTime(state.ok.time, i18n.language)}</span>
              <span>
                {t('common.proof.stateRoot')}: <Hash value={state.ok.stateRoot} />
              </span>
            </Space>
          }
        />
      )}
      {state.error !== undefined && (
        <Space direction="vertical" style={{ width: '100%' }} data-testid="record-failed">
          <Alert type="error" showIcon title={t('common.proof.failed')} description={t('public.records.failed')} />
          <ErrorAlert error={state.error} />
        </Space>
      )}
      <Button style={{ marginTop: 12 }} onClick={() => void run()} disabled={state.busy}>
        {t('common.proof.verifyButton')}
      </Button>
    </Card>
  );
}

export function RecordPage() {
  const { t, i18n } = useTranslation();
  const { org = '', id = '' } = useParams();
  const orgs = useOrgs();
  const record = useLoad(() => getRecord(client, org, id), [org, id]);
  const [shown, setShown] = useState<number | undefined>(undefined);
  return (
    <LoadView loaded={record}>
      {({ head, versions }) => {
        const version = versions.find((v) => v.version === (shown ?? head.latest)) ?? versions[versions.length - 1]!;
        return (
          <>
            <PageTitle title={version.title} lang={contentLang(version.title)} />
            <Space wrap style={{ marginBottom: 16 }}>
              <Tag color={CATEGORY_COLOURS[version.category]}>{t(`public.records.category.${version.category}`)}</Tag>
              <Typography.Text type="secondary">{orgs.name(head.org)}</Typography.Text>
              {head.withdrawn !== undefined && <Tag color="red">{t('public.records.withdrawn')}</Tag>}
              {versions.length > 1 && (
                <Segmented<number>
                  aria-label={t('public.records.versions')}
                  value={version.version}
                  onChange={setShown}
                  options={versions.map((v) => ({
                    value: v.version,
                    label: t('public.records.version', { version: v.version }),
                  }))}
                />
              )}
            </Space>
            {head.withdrawn !== undefined && (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 16 }}
                title={t('public.records.withdrawnText', {
                  time: formatTime(head.withdrawn.time, i18n.language),
                  reason: head.withdrawn.reason,
                })}
              />
            )}
            <Row gutter={[16, 16]}>
              <Col xs={24} lg={15}>
                <Card>
                  {version.summary !== undefined && (
                    <Typography.Paragraph strong style={{ fontSize: 15 }} lang={contentLang(version.summary)}>
                      {version.summary}
                    </Typography.Paragraph>
                  )}
                  <Typography.Paragraph
                    style={{ whiteSpace: 'pre-wrap', fontSize: 15, lineHeight: 1.8 }}
                    data-testid="record-body"
                    lang={contentLang(version.body)}
                  >
                    {version.body}
                  </Typography.Paragraph>
                  {version.attachments.length > 0 && (
                    <>
                      <Typography.Title level={4}>{t('public.records.attachments')}</Typography.Title>
                      <Descriptions column={1} size="small" bordered>
                        {version.attachments.map((a) => (
                          <Descriptions.Item key={a.hash} label={a.name}>
                            {a.alg.toUpperCase()} <Hash value={a.hash} />
                          </Descriptions.Item>
                        ))}
                      </Descriptions>
                    </>
                  )}
                </Card>
              </Col>
              <Col xs={24} lg={9}>
                <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                  <VerifyPanel version={version} />
                  <Card>
                    <Descriptions column={1} size="small">
                      <Descriptions.Item label={t('public.records.published')}>
                        <TimeText ms={version.time} />
                      </Descriptions.Item>
                      {version.effective !== undefined && (
                        <Descriptions.Item label={t('public.records.effective')}>{version.effective}</Descriptions.Item>
                      )}
                      <Descriptions.Item label={t('common.height')}>{version.height}</Descriptions.Item>
                      <Descriptions.Item label={t('public.records.publisher')}>
                        <Hash value={version.publisher} />
                      </Descriptions.Item>
                      {version.tags.length > 0 && (
                        <Descriptions.Item label={t('public.records.tags')}>
                          {version.tags.map((tag) => (
                            <Tag key={tag}>{tag}</Tag>
                          ))}
                        </Descriptions.Item>
                      )}
                    </Descriptions>
                  </Card>
                  {versions.length > 1 && (
                    <Card title={t('public.records.versions')}>
                      <Timeline
                        items={versions.map((v) => ({
                          content: (
                            <span>
                              {t('public.records.version', { version: v.version })} · <TimeText ms={v.time} />
                            </span>
                          ),
                        }))}
                      />
                    </Card>
                  )}
                </Space>
              </Col>
            </Row>
          </>
        );
      }}
    </LoadView>
  );
}
