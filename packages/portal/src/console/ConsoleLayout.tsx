import { AuditOutlined, FileTextOutlined, InboxOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Menu } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { type Session, useSession } from '../app/session.js';
import { PageTitle, RequireSession } from '../app/ui.js';

const SECTIONS = [
  { key: '/console', name: 'inbox', icon: <InboxOutlined /> },
  { key: '/console/licences', name: 'licences', icon: <SafetyCertificateOutlined /> },
  { key: '/console/records', name: 'records', icon: <FileTextOutlined /> },
  { key: '/console/governance', name: 'governance', icon: <AuditOutlined /> },
] as const;

function sectionOf(pathname: string): string {
  // A case page belongs to the inbox.
  if (pathname.startsWith('/console/cases/')) return '/console';
  return SECTIONS.find((s) => s.key !== '/console' && pathname.startsWith(s.key))?.key ?? '/console';
}

/** The console's own navigation: links (in-app, so the key in page memory stays), keyboard-usable. */
function ConsoleNav() {
  const { t } = useTranslation();
  const location = useLocation();
  return (
    <nav aria-label={t('console.nav.label')} style={{ marginBottom: 16 }}>
      <Menu
        mode="horizontal"
        selectedKeys={[sectionOf(location.pathname)]}
        style={{ background: 'transparent' }}
        items={SECTIONS.map((s) => ({
          key: s.key,
          icon: s.icon,
          label: (
            <Link to={s.key} data-testid={`console-nav-${s.name}`}>
              {t(`console.nav.${s.name}`)}
            </Link>
          ),
        }))}
      />
    </nav>
  );
}

/** A console page: staff only, the console's navigation, then the page's title and content. */
export function ConsolePage({
  title,
  extra,
  children,
}: {
  readonly title: string;
  readonly extra?: ReactNode;
  readonly children: ReactNode;
}) {
  return (
    <RequireSession staff>
      <ConsoleNav />
      <PageTitle title={title} extra={extra} />
      {children}
    </RequireSession>
  );
}

/** The session of a console page's content (rendered only inside `ConsolePage`, which requires a staff sign-in). */
export function useStaffSession(): Session {
  const { session } = useSession();
  if (session === undefined) throw new Error('a console page rendered without a session');
  return session;
}
