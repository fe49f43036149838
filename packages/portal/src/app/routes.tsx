/** Every page, loaded on demand so the public pages stay light (charts and the console load only when opened). */
import { Button, Result, Spin } from 'antd';
import { Component, type ComponentType, type ErrorInfo, lazy, type ReactNode, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { useDocumentTitle } from './documentTitle.js';
import { LinkButton } from './ui.js';

function page<T>(load: () => Promise<T>, name: keyof T) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}

const Home = page(() => import('../public/Home.js'), 'Home');
const VerifyLicence = page(() => import('../public/VerifyLicence.js'), 'VerifyLicence');
const Notary = page(() => import('../public/Notary.js'), 'Notary');
const Records = page(() => import('../public/Records.js'), 'Records');
const RecordPage = page(() => import('../public/RecordPage.js'), 'RecordPage');
const SignIn = page(() => import('../citizen/SignIn.js'), 'SignIn');
const MyCases = page(() => import('../citizen/MyCases.js'), 'MyCases');
const Apply = page(() => import('../citizen/Apply.js'), 'Apply');
const Wallet = page(() => import('../citizen/Wallet.js'), 'Wallet');
const AccessLog = page(() => import('../citizen/AccessLog.js'), 'AccessLog');
const Dashboards = page(() => import('../dashboards/Dashboards.js'), 'Dashboards');
const Admin = page(() => import('../admin/Admin.js'), 'Admin');
const Explorer = page(() => import('../public/Explorer.js'), 'Explorer');
const BlockPage = page(() => import('../public/Explorer.js'), 'BlockPage');
const TxPage = page(() => import('../public/Explorer.js'), 'TxPage');
const Inbox = page(() => import('../console/Inbox.js'), 'Inbox');
const CasePage = page(() => import('../console/CasePage.js'), 'CasePage');
const Licences = page(() => import('../console/Licences.js'), 'Licences');
const Publish = page(() => import('../console/Publish.js'), 'Publish');
const Governance = page(() => import('../console/Governance.js'), 'Governance');

export function AppRoutes() {
  const { t } = useTranslation();
  return (
    <PageErrorBoundary>
      <Suspense
        fallback={
          <div style={{ padding: 64, textAlign: 'center' }}>
            <Spin description={t('common.loading')} />
          </div>
        }
      >
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/records" element={<Records />} />
          <Route path="/records/:org/:id" element={<RecordPage />} />
          <Route path="/verify" element={<VerifyLicence />} />
          <Route path="/notary" element={<Notary />} />
          <Route path="/explorer" element={<Explorer />} />
          <Route path="/explorer/blocks/:height" element={<BlockPage />} />
          <Route path="/explorer/tx/:id" element={<TxPage />} />
          <Route path="/dashboards" element={<Dashboards />} />
          {/* Admin wraps itself in <RequireSession staff>, so the main chunk does not pull in the page helpers. */}
          <Route path="/admin" element={<Admin />} />
          <Route path="/signin" element={<SignIn />} />
          <Route path="/me/cases" element={<MyCases />} />
          <Route path="/me/apply/:workflow" element={<Apply />} />
          <Route path="/me/wallet" element={<Wallet />} />
          <Route path="/me/access" element={<AccessLog />} />
          <Route path="/console" element={<Inbox />} />
          <Route path="/console/cases/:id" element={<CasePage />} />
          <Route path="/console/licences" element={<Licences />} />
          <Route path="/console/records" element={<Publish />} />
          <Route path="/console/governance" element={<Governance />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </PageErrorBoundary>
  );
}

function NotFound() {
  const { t } = useTranslation();
  useDocumentTitle(t('common.notFound.title'));
  return (
    <Result
      status="404"
      title={t('common.notFound.title')}
      subTitle={t('common.notFound.text')}
      extra={
        <LinkButton type="primary" to="/">
          {t('common.notFound.home')}
        </LinkButton>
      }
    />
  );
}

function ErrorPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('common.errorBoundary.title'));
  return (
    <Result
      status="error"
      title={t('common.errorBoundary.title')}
      subTitle={t('common.errorBoundary.text')}
      extra={<Button onClick={() => window.location.reload()}>{t('common.refresh')}</Button>}
    />
  );
}

/** A page that throws while rendering shows a plain message instead of a blank screen. */
class PageErrorBoundary extends Component<{ readonly children: ReactNode }, { readonly failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('page failed', error, info.componentStack);
  }
  override render() {
    return this.state.failed ? <ErrorPage /> : this.props.children;
  }
}
