import { GlobalOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Layout, Menu, type MenuProps, Segmented, Space, Typography } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { type Language, setLanguage } from './i18n.js';
import { type TrustAnchor, trustAnchor } from './node.js';
import { sessionLabel, useSession } from './session.js';
import { LinkButton } from './ui.js';

const { Header, Content, Footer } = Layout;

function useMenuItems(): NonNullable<MenuProps['items']> {
  const { t } = useTranslation();
  const { session } = useSession();
  const kind = session?.identity.kind;
  const items: NonNullable<MenuProps['items']> = [
    { key: '/', label: <Link to="/">{t('common.nav.home')}</Link> },
    { key: '/records', label: <Link to="/records">{t('common.nav.records')}</Link> },
    { key: '/verify', label: <Link to="/verify">{t('common.nav.verify')}</Link> },
    { key: '/notary', label: <Link to="/notary">{t('common.nav.notary')}</Link> },
    { key: '/explorer', label: <Link to="/explorer">{t('common.nav.explorer')}</Link> },
    { key: '/dashboards', label: <Link to="/dashboards">{t('common.nav.dashboards')}</Link> },
  ];
  if (kind === 'citizen' || kind === 'enterprise') {
    items.push({
      key: '/me',
      label: t('common.nav.mine'),
      children: [
        { key: '/me/cases', label: <Link to="/me/cases">{t('common.nav.myCases')}</Link> },
        { key: '/me/wallet', label: <Link to="/me/wallet">{t('common.nav.wallet')}</Link> },
        { key: '/me/access', label: <Link to="/me/access">{t('common.nav.access')}</Link> },
      ],
    });
  }
  if (kind === 'member') {
    // Staff come for their workbench: right after the home page, so a narrow menu never folds it away.
    items.splice(1, 0, { key: '/console', label: <Link to="/console">{t('common.nav.console')}</Link> });
    items.push({ key: '/admin', label: <Link to="/admin">{t('common.nav.admin')}</Link> });
  }
  return items;
}

function selectedKey(pathname: string): string {
  if (pathname === '/') return '/';
  const first = `/${pathname.split('/')[1] ?? ''}`;
  if (first === '/me') return pathname.split('/').slice(0, 3).join('/');
  return first;
}

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Segmented<Language>
      // One radio group: a single Tab stop, the arrow keys switch.
      name="lz-language"
      aria-label={t('common.language.label')}
      size="small"
      value={i18n.language === 'en' ? 'en' : 'zh'}
      onChange={(v) => setLanguage(v)}
      options={[
        { value: 'zh', label: t('common.language.zh') },
        { value: 'en', label: t('common.language.en') },
      ]}
    />
  );
}

function UserArea() {
  const { t } = useTranslation();
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  if (session === undefined) {
    return (
      <LinkButton
        to="/signin"
        type="primary"
        ghost
        icon={<UserOutlined />}
        aria-label={t('common.signIn')}
        data-testid="sign-in"
      >
        <span className="lz-hide-phone">{t('common.signIn')}</span>
      </LinkButton>
    );
  }
  return (
    <Dropdown
      menu={{
        items: [
          ...(session.identity.kind === 'member'
            ? [
                { key: '/console', label: <Link to="/console">{t('common.nav.console')}</Link> },
                { key: '/admin', label: <Link to="/admin">{t('common.nav.admin')}</Link> },
              ]
            : [
                { key: '/me/cases', label: <Link to="/me/cases">{t('common.nav.myCases')}</Link> },
                { key: '/me/wallet', label: <Link to="/me/wallet">{t('common.nav.wallet')}</Link> },
                { key: '/me/access', label: <Link to="/me/access">{t('common.nav.access')}</Link> },
              ]),
          { type: 'divider' as const },
          {
            key: 'out',
            icon: <LogoutOutlined />,
            label: t('common.signOut'),
            onClick: () => {
              void signOut().then(() => navigate('/'));
            },
          },
        ],
      }}
    >
      <Button
        icon={<UserOutlined />}
        aria-label={`${t(`common.kind.${session.identity.kind}`)} · ${sessionLabel(session)}`}
        data-testid="user-menu"
      >
        {/* On a phone the header has room for the icon only (the label stays in aria-label). */}
        <span className="lz-hide-phone">
          {t(`common.kind.${session.identity.kind}`)} · {sessionLabel(session)}
        </span>
      </Button>
    </Dropdown>
  );
}

function TrustFooter() {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<TrustAnchor | undefined>(undefined);
  useEffect(() => {
    trustAnchor().then(setAnchor, () => undefined);
  }, []);
  return (
    <Footer style={{ textAlign: 'center', fontSize: 13 }}>
      <div>{t('common.footer')}</div>
      {anchor !== undefined && (
        <Typography.Text
          type={anchor.matchesPinned ? 'secondary' : 'danger'}
          style={{ fontSize: 12 }}
          data-testid="trust-anchor"
        >
          {t('common.trust.anchor')}: {t('common.trust.chain')} {anchor.chainId} · {t('common.trust.suite')}{' '}
          {anchor.suite} · {t('common.trust.genesis')} <code>{anchor.genesisHash}</code>
          {!anchor.matchesPinned && <div role="alert">{t('common.trust.changed')}</div>}
        </Typography.Text>
      )}
    </Footer>
  );
}

export function Shell({ children }: { readonly children: ReactNode }) {
  const { t } = useTranslation();
  const location = useLocation();
  const items = useMenuItems();
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a href="#main" className="lz-skip">
        {t('common.skipToContent')}
      </a>
      {/* Two rows: the brand bar (language, the user) and the navigation bar below it, so the whole menu fits on a
          desktop screen in both languages, staff included; on a phone the menu folds the rest behind "…". */}
      <Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 16,
          paddingInline: 16,
          height: 56,
          lineHeight: '56px',
          background: '#fff',
        }}
      >
        {/* The brand takes the free width; its link only as wide as the logo and the name. */}
        <div style={{ flex: 1, minWidth: 0, display: 'flex' }}>
          <Link
            to="/"
            style={{ display: 'flex', alignItems: 'center', gap: 8, whiteSpace: 'nowrap', minWidth: 0 }}
            aria-label={`${t('common.brand')} ${t('common.brandLong')} · ${t('common.nav.home')}`}
          >
            <img src="/favicon.svg" alt="" width={28} height={28} />
            <Typography.Text strong style={{ fontSize: 18, color: '#1a4e8a' }} className="lz-hide-phone">
              {t('common.brand')}
            </Typography.Text>{' '}
            <Typography.Text type="secondary" className="lz-hide-narrow">
              {t('common.brandLong')}
            </Typography.Text>
          </Link>
        </div>
        <Space size="middle">
          <GlobalOutlined aria-hidden className="lz-hide-narrow" />
          <LanguageSwitch />
          <UserArea />
        </Space>
      </Header>
      <nav aria-label={t('common.nav.main')} className="lz-nav">
        <Menu
          mode="horizontal"
          selectedKeys={[selectedKey(location.pathname)]}
          items={items}
          style={{ borderBottom: 'none', maxWidth: 1232, margin: '0 auto' }}
        />
      </nav>
      <Content
        id="main"
        tabIndex={-1}
        style={{ padding: '24px 16px', maxWidth: 1200, width: '100%', margin: '0 auto' }}
      >
        {children}
      </Content>
      <TrustFooter />
    </Layout>
  );
}
