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
  // Grey text (secondary text, descriptions, labels of Descriptions and Statistic, help under form fields): Ant
  // Design's 45 % black is 3.4:1 on white; 60 % is 5.7:1 on white and at least 5.4:1 on the page's grey and on a
  // <code>'s. Placeholders (25 %, 1.9:1) go to 55 %, 4.8:1, still lighter than typed text (88 %). Disabled text keeps
  // its light grey: WCAG exempts inactive controls.
  colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
  colorTextDescription: 'rgba(0, 0, 0, 0.6)',
  colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
  borderRadius: 6,
};

/**
 * A coloured Tag writes shade 7 of its colour on shade 1: under 4.5:1 for the light hues (gold 2.8:1, green and cyan
 * 3.4:1). Inside Tag only, those hues write the first darker shade that reaches 4.5:1 on shade 1 (8; 9 for gold,
 * yellow and lime).
 */
const palette = theme.getDesignToken();
const tagText = {
  cyan7: palette.cyan8,
  green7: palette.green8,
  orange7: palette.orange8,
  volcano7: palette.volcano8,
  gold7: palette.gold9,
  yellow7: palette.yellow9,
  lime7: palette.lime9,
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
      theme={{
        token: { ...brand, fontFamily: fontFamily(i18n.language) },
        components: { Tag: tagText },
        algorithm: theme.defaultAlgorithm,
      }}
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
