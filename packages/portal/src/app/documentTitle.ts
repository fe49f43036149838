import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The browser tab's title (WCAG 2.4.2): `<page> · 链政`, or the platform's name alone when `page` is undefined (the
 * home page). In the page's language, so it changes with the language switch. Kept out of `ui.tsx` so that the main
 * chunk (routes, the not-found page) does not pull in the page helpers.
 */
export function useDocumentTitle(page: string | undefined): void {
  const { t } = useTranslation();
  const title =
    page === undefined ? `${t('common.brand')} · ${t('common.brandLong')}` : `${page} · ${t('common.brand')}`;
  useEffect(() => {
    document.title = title;
  }, [title]);
}
