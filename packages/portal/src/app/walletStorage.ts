/**
 * The holder's licences in this browser: localStorage, each credential encrypted with AES-256-GCM (Web Crypto) under
 * a key derived from the holder's secret key — SHA-256("lianzheng/browser-wallet" ‖ secret key) — so the browser's
 * storage alone does not reveal them, and only the same key (signed in again) opens them.
 */
import { base64urlDecode, base64urlEncode, concatBytes, utf8ToBytes } from '@lianzheng/protocol';
import type { WalletStorage } from '@lianzheng/sdk';

const PREFIX = 'lianzheng.wallet.';

/** A copy in a fresh ArrayBuffer, the type Web Crypto's signatures ask for. */
const own = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

export async function browserWalletStorage(publicKeyHex: string, secretKey: Uint8Array): Promise<WalletStorage> {
  const material = await crypto.subtle.digest(
    'SHA-256',
    own(concatBytes(utf8ToBytes('lianzheng/browser-wallet'), secretKey)),
  );
  const key = await crypto.subtle.importKey('raw', material, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const slot = `${PREFIX}${publicKeyHex}`;
  const read = (): Record<string, string> => {
    try {
      const v = JSON.parse(localStorage.getItem(slot) ?? '{}') as unknown;
      return typeof v === 'object' && v !== null ? (v as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  const write = (m: Record<string, string>) => localStorage.setItem(slot, JSON.stringify(m));
  const aad = (id: string) => own(utf8ToBytes(`${publicKeyHex}/${id}`));
  return {
    async get(id) {
      const sealed = read()[id];
      if (sealed === undefined) return undefined;
      const bytes = base64urlDecode(sealed);
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: own(bytes.subarray(0, 12)), additionalData: aad(id) },
        key,
        own(bytes.subarray(12)),
      );
      return new TextDecoder().decode(plain);
    },
    async put(id, credential) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: aad(id) },
          key,
          own(utf8ToBytes(credential)),
        ),
      );
      write({ ...read(), [id]: base64urlEncode(concatBytes(iv, ct)) });
    },
    async delete(id) {
      const m = read();
      delete m[id];
      write(m);
    },
    ids: async () => Object.keys(read()).sort(),
  };
}
