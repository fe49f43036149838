import { App as AntApp, ConfigProvider, theme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useTranslation } from 'react-i18next';
import { BrowserRouter } from 'react-router';
import { AppRoutes } from './routes.js';
import { Shell } from './Shell.js';
import { SessionProvider } from './session.js';

/** Government blue, with contrast ratios of at least 4.5:1 for text on white (WCAG AA). */
const brand = {
  colorPrimary: '#1a4e8a',
  colorLink: '#1a4e8a',
  colorError: '#b3261e',
  colorSuccess: '#2e7d32',
  colorWarning: '#9a6700',
  borderRadius: 6,
};

const CJK = '"PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei"';
const LATIN =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans"';
/** Chinese first for Chinese pages; Latin first for English ones (CJK fonts draw quotes and apostrophes full-width). */
const fontFamily = (lang: string) => (lang === 'en' ? `${LATIN}, ${CJK}, sans-serif` : `${CJK}, ${LATIN}, sans-serif`);

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : zhCN}
      theme={{ token: { ...brand, fontFamily: fontFamily(i18n.language) }, algorithm: theme.defaultAlgorithm }}
    >
      <AntApp>
        <SessionProvider>
          <BrowserRouter>
            <Shell>
              <AppRoutes />
            </Shell>
          </BrowserRouter>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}
