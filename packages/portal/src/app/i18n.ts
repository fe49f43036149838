/**
 * Every string the portal shows, in zh-CN (the default) and English. Each area keeps its own messages next to its
 * pages (`<area>/messages.ts`, one object per language under the area's name); this file joins them. The chosen
 * language is remembered in localStorage.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { adminMessages } from '../admin/messages.js';
import { citizenMessages } from '../citizen/messages.js';
import { consoleMessages } from '../console/messages.js';
import { dashboardsMessages } from '../dashboards/messages.js';
import { publicMessages } from '../public/messages.js';
import { errorMessages } from './errorMessages.js';
import { commonMessages } from './messages.js';

export type Language = 'zh' | 'en';
export const LANGUAGE_STORAGE_KEY = 'lianzheng.language';

const areas = [
  commonMessages,
  errorMessages,
  publicMessages,
  citizenMessages,
  consoleMessages,
  dashboardsMessages,
  adminMessages,
];

function resourcesOf(lang: Language): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const area of areas) out[area.name] = area[lang];
  return out;
}

export function storedLanguage(): Language {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function setLanguage(lang: Language): void {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  void i18next.changeLanguage(lang);
}

void i18next.use(initReactI18next).init({
  resources: { zh: { translation: resourcesOf('zh') }, en: { translation: resourcesOf('en') } },
  lng: storedLanguage(),
  fallbackLng: 'zh',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = storedLanguage() === 'zh' ? 'zh-CN' : 'en';

export { i18next };
