import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';

/** A bilingual label as workflow definitions write them (`{zh, en}`), or a plain string. */
export type Label = string | { readonly zh?: string; readonly en?: string };

/** The label's text in a language, falling back to the other one. */
export function labelText(label: Label | undefined, language: string): string {
  if (label === undefined) return '';
  if (typeof label === 'string') return label;
  return (language === 'en' ? (label.en ?? label.zh) : (label.zh ?? label.en)) ?? '';
}

/** Picks a label's text for the page's language (Chinese when there is no English). */
export function useLabel(): (label: Label | undefined, fallback?: string) => string {
  const { i18n } = useTranslation();
  return useCallback((label, fallback = '') => labelText(label, i18n.language) || fallback, [i18n.language]);
}

const HAN = /\p{Script=Han}/u;

/**
 * The `lang` attribute for text that comes from the chain as its authors wrote it (a record's title and body, …):
 * `zh-CN` when it holds Chinese characters, so that screen readers and fonts treat it as Chinese on English pages too.
 */
export function contentLang(text: string | undefined): 'zh-CN' | undefined {
  return text !== undefined && HAN.test(text) ? 'zh-CN' : undefined;
}
