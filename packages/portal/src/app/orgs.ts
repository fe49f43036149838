import { getConfig } from '@lianzheng/sdk';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client } from './node.js';

export interface OrgName {
  readonly id: string;
  readonly name: string;
  readonly nameEn?: string;
}

let orgs: Promise<readonly OrgName[]> | undefined;

/** The consortium's organisations from the current on-chain configuration (loaded once per page). */
export function loadOrgs(): Promise<readonly OrgName[]> {
  orgs ??= getConfig(client).then(
    (c) =>
      c.config.orgs.map((o) => ({ id: o.id, name: o.name, ...(o.nameEn === undefined ? {} : { nameEn: o.nameEn }) })),
    (error: unknown) => {
      orgs = undefined;
      throw error;
    },
  );
  return orgs;
}

/** The organisations, and a function naming one in the page's language (its id while loading or if unknown). */
export function useOrgs(): { readonly list: readonly OrgName[]; name(id: string | undefined): string } {
  const { i18n } = useTranslation();
  const [list, setList] = useState<readonly OrgName[]>([]);
  useEffect(() => {
    loadOrgs().then(setList, () => undefined);
  }, []);
  return {
    list,
    name(id) {
      if (id === undefined) return '';
      const o = list.find((x) => x.id === id);
      if (o === undefined) return id;
      return i18n.language === 'en' ? (o.nameEn ?? o.name) : o.name;
    },
  };
}
