/**
 * Key files remembered by this browser (localStorage). Only the encrypted file is kept — the same bytes the user chose,
 * still sealed by its passphrase — never the opened secret.
 */
export interface RememberedKey {
  readonly id: string;
  readonly org: string;
  readonly suite: string;
  readonly publicKey: string;
  readonly text: string;
}

const STORAGE_KEY = 'lianzheng.keyFiles';
const MAX_KEYS = 20;

export function rememberedKeys(): RememberedKey[] {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    const list = raw === null ? [] : (JSON.parse(raw) as unknown);
    return Array.isArray(list) ? (list as RememberedKey[]).filter((k) => typeof k?.text === 'string') : [];
  } catch {
    return [];
  }
}

function save(list: readonly RememberedKey[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(list.slice(0, MAX_KEYS)));
  } catch {
    // storage full or disabled: the key is simply not remembered
  }
}

export function rememberKey(key: RememberedKey): void {
  save([key, ...rememberedKeys().filter((k) => k.publicKey !== key.publicKey)]);
}

export function forgetKey(publicKey: string): void {
  save(rememberedKeys().filter((k) => k.publicKey !== publicKey));
}
