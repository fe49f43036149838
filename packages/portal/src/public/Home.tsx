import {
  AuditOutlined,
  BarChartOutlined,
  BlockOutlined,
  FileProtectOutlined,
  FormOutlined,
  SafetyCertificateOutlined,
} from '@ant-design/icons';
import { getCheckpoint } from '@lianzheng/sdk';
import { Card, Col, Row, Statistic, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useDocumentTitle } from '../app/documentTitle.js';
import { client, trustAnchor } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { formatTime, useLoad } from '../app/ui.js';

function ServiceCard({ to, icon, title, text }: { to: string; icon: ReactNode; title: string; text: string }) {
  return (
    <Link to={to} style={{ display: 'block', height: '100%' }}>
      <Card hoverable style={{ height: '100%' }}>
        <Card.Meta
          avatar={<span style={{ fontSize: 28, color: '#1a4e8a' }}>{icon}</span>}
          title={title}
          description={text}
        />
      </Card>
    </Link>
  );
}

export function Home() {
  const { t, i18n } = useTranslation();
  const orgs = useOrgs();
  useDocumentTitle(undefined);
  const status = useLoad(async () => {
    const [anchor, checkpoint] = await Promise.all([trustAnchor(), getCheckpoint(client).catch(() => undefined)]);
    return { anchor, checkpoint };
  }, []);
  const cards = [
    { to: '/records', icon: <AuditOutlined />, key: 'records' },
    { to: '/verify', icon: <SafetyCertificateOutlined />, key: 'verify' },
    { to: '/notary', icon: <FileProtectOutlined />, key: 'notary' },
    { to: '/me/cases', icon: <FormOutlined />, key: 'apply' },
    { to: '/explorer', icon: <BlockOutlined />, key: 'explorer' },
    { to: '/dashboards', icon: <BarChartOutlined />, key: 'dashboards' },
  ] as const;
  return (
    <>
      <section style={{ padding: '24px 0 32px' }}>
        <Typography.Title level={1} style={{ fontSize: 30 }}>
          {t('public.home.title')}
        </Typography.Title>
        <Typography.Paragraph style={{ fontSize: 16, maxWidth: 760 }}>{t('public.home.lead')}</Typography.Paragraph>
      </section>
      <Typography.Title level={2} style={{ fontSize: 20 }}>
        {t('public.home.services')}
      </Typography.Title>
      <Row gutter={[16, 16]}>
        {cards.map((c) => (
          <Col xs={24} sm={12} lg={8} key={c.key}>
            <ServiceCard
              to={c.to}
              icon={c.icon}
              title={t(`public.home.${c.key}.title`)}
              text={t(`public.home.${c.key}.text`)}
            />
          </Col>
        ))}
      </Row>
      <Typography.Title level={2} style={{ fontSize: 20, marginTop: 32 }}>
        {t('public.home.status')}
      </Typography.Title>
      <Card>
        <Row gutter={[16, 16]}>
          <Col xs={24} sm={8}>
            <Statistic
              title={t('public.home.height')}
              value={status.data?.checkpoint?.header.height ?? status.data?.anchor.height ?? '—'}
            />
          </Col>
          <Col xs={24} sm={8}>
            <Statistic title={t('public.home.departments')} value={orgs.list.length || '—'} />
          </Col>
          <Col xs={24} sm={8}>
            <Statistic
              title={t('public.home.checkpoint')}
              value={
                status.data?.checkpoint === undefined
                  ? '—'
                  : formatTime(status.data.checkpoint.header.time, i18n.language)
              }
            />
          </Col>
        </Row>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
          {orgs.list.map((o) => orgs.name(o.id)).join(' · ')}
        </Typography.Paragraph>
      </Card>
    </>
  );
}
