import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';

/** A bilingual label as workflow definitions write them (`{zh, en}`), or a plain string. */
export type Label = string | { readonly zh?: string; readonly en?: string } | undefined;

/** Picks a label's text for the page's language (Chinese when there is no English). */
export function useLabel(): (label: Label, fallback?: string) => string {
  const { i18n } = useTranslation();
  return useCallback(
    (label, fallback = '') => {
      if (label === undefined) return fallback;
      if (typeof label === 'string') return label;
      return (i18n.language === 'en' ? (label.en ?? label.zh) : (label.zh ?? label.en)) ?? fallback;
    },
    [i18n.language],
  );
}
