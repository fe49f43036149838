/**
 * The holder's wallet (我的证照, ADR 0015): the holder's key never leaves it. It collects the credentials a
 * department's node issued for the holder's cases (checking each against the pinned consortium before keeping it),
 * stores them, makes selective-disclosure presentations bound to a verifier's nonce, and turns a presentation into
 * the text of a QR code — the presentation itself, or a short-lived link to it when it is too long for one code.
 * Browser-safe: storage is an interface (memory here; the portal keeps them in the browser).
 */
import {
  ConsortiumView,
  type CredentialAnchor,
  configOfGenesis,
  consortiumFromGenesis,
  type Genesis,
  type JsonObject,
  jwkToPublicKey,
  LianzhengError,
  parseSdJwt,
  portableSuite,
  presentSdJwt,
  verifyCredentialIssuer,
} from '@lianzheng/protocol';
import type { Client } from './actions.js';

/** Where a wallet keeps its credentials (SD-JWT VCs, by credential id). */
export interface WalletStorage {
  get(id: string): Promise<string | undefined>;
  put(id: string, credential: string): Promise<void>;
  delete(id: string): Promise<void>;
  ids(): Promise<string[]>;
}

export function memoryWalletStorage(): WalletStorage {
  const m = new Map<string, string>();
  return {
    get: async (id) => m.get(id),
    put: async (id, c) => {
      m.set(id, c);
    },
    delete: async (id) => {
      m.delete(id);
    },
    ids: async () => [...m.keys()].sort(),
  };
}

/** A credential in the wallet, as its holder sees it: every claim, and which ones may be hidden. */
export interface WalletCredential {
  readonly id: string;
  readonly type: string;
  readonly org: string;
  readonly validFrom: number;
  readonly validUntil: number;
  /** Claims always shown. */
  readonly shown: JsonObject;
  /** Claims the holder chooses to show or hide. */
  readonly disclosable: JsonObject;
}

export interface Wallet {
  /** Credentials issued to the signed-in holder and waiting on the node (the client must carry the session). */
  inbox(): Promise<(CredentialAnchor & { readonly collectable: true })[]>;
  /**
   * Fetches a waiting credential, checks it (issuer seal against the pinned CAs, signature, bound to this wallet's
   * key, the id asked for), stores it and tells the node to destroy its copy.
   */
  collect(id: string): Promise<WalletCredential>;
  /** Collects everything waiting; returns what was collected. */
  collectAll(): Promise<WalletCredential[]>;
  list(): Promise<WalletCredential[]>;
  /** A presentation of credential `id` showing the always-shown claims and `disclose`, bound to `aud` and `nonce`. */
  present(
    id: string,
    p: { readonly disclose: readonly string[]; readonly aud: string; readonly nonce: string },
  ): Promise<string>;
  remove(id: string): Promise<void>;
}

export interface CreateWalletParameters {
  /** A node, with the holder's session (`withSession`). */
  readonly client: Client;
  readonly genesis: Genesis;
  /** The holder's key pair: the key its cases were applied with (the credentials' `cnf`). */
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly storage?: WalletStorage;
  readonly now?: () => number;
}

export function createWallet(p: CreateWalletParameters): Wallet {
  const suite = portableSuite(p.genesis.suite);
  const trust = consortiumFromGenesis(p.genesis);
  const consortium = new ConsortiumView(suite, { version: 1, config: configOfGenesis(p.genesis) });
  const storage = p.storage ?? memoryWalletStorage();
  const now = p.now ?? Date.now;
  const own = (b: Uint8Array) => b.length === p.publicKey.length && b.every((x, i) => x === p.publicKey[i]);

  const view = (credential: string): WalletCredential => {
    const parsed = parseSdJwt(suite, credential);
    const issuer = verifyCredentialIssuer(suite, trust, consortium, parsed);
    const payload = parsed.jws.payload as JsonObject & { cnf?: { jwk?: JsonObject } };
    const holderKey = jwkToPublicKey(suite, (payload.cnf?.jwk ?? {}) as JsonObject);
    if (!own(holderKey)) {
      throw new LianzhengError('CREDENTIAL_MALFORMED', 'the credential is bound to another key than this wallet’s', {
        details: { field: 'cnf' },
      });
    }
    const shown: JsonObject = {};
    for (const [k, v] of Object.entries(payload)) {
      if (!['_sd', '_sd_alg', 'cnf', 'iss', 'iat', 'nbf', 'exp', 'jti', 'vct', 'sub'].includes(k)) shown[k] = v;
    }
    const disclosable: JsonObject = {};
    for (const d of parsed.disclosures) disclosable[d.name] = d.value;
    return {
      id: issuer.id,
      type: issuer.type,
      org: issuer.org,
      validFrom: issuer.validFrom,
      validUntil: issuer.validUntil,
      shown,
      disclosable,
    };
  };

  const wallet: Wallet = {
    inbox: async () =>
      (
        await p.client.transport.request<{ credentials: (CredentialAnchor & { collectable: true })[] }>(
          'GET',
          '/v1/wallet/inbox',
        )
      ).credentials,
    async collect(id) {
      const got = await p.client.transport.request<{ credential: string }>(
        'GET',
        `/v1/wallet/inbox/${encodeURIComponent(id)}`,
      );
      const v = view(got.credential);
      if (v.id !== id) {
        throw new LianzhengError('CREDENTIAL_MALFORMED', 'the node answered with another credential', {
          details: { field: 'jti' },
        });
      }
      await storage.put(id, got.credential);
      await p.client.transport.request('POST', `/v1/wallet/inbox/${encodeURIComponent(id)}/ack`, '{}');
      return v;
    },
    async collectAll() {
      const out: WalletCredential[] = [];
      for (const a of await wallet.inbox()) out.push(await wallet.collect(a.id));
      return out;
    },
    async list() {
      const out: WalletCredential[] = [];
      for (const id of await storage.ids()) {
        const c = await storage.get(id);
        if (c !== undefined) out.push(view(c));
      }
      return out;
    },
    async present(id, q) {
      const c = await storage.get(id);
      if (c === undefined) {
        throw new LianzhengError('CREDENTIAL_MALFORMED', 'this wallet holds no credential with this id', {
          details: { field: 'id' },
        });
      }
      return presentSdJwt(suite, c, q.disclose, {
        secretKey: p.secretKey,
        aud: q.aud,
        nonce: q.nonce,
        iat: Math.floor(now() / 1000),
      });
    },
    remove: (id) => storage.delete(id),
  };
  return wallet;
}

/** A QR code of the largest version holds 2,953 bytes; a presentation up to this many characters goes in directly. */
export const QR_INLINE_MAX = 2_000;

/**
 * The text of a QR code for a presentation: the presentation itself when it fits, else a link to a copy the node
 * keeps for 10 minutes (`POST /v1/presentations`). A verifier reads either with {@link presentationFromQrText}.
 */
export async function presentationQrText(
  client: Client,
  baseUrl: string,
  presentation: string,
  maxInline = QR_INLINE_MAX,
): Promise<string> {
  if (presentation.length <= maxInline) return presentation;
  const link = await client.transport.request<{ path: string }>(
    'POST',
    '/v1/presentations',
    JSON.stringify({ presentation }),
  );
  return `${baseUrl.replace(/\/+$/, '')}${link.path}`;
}

/** The presentation a QR code carries, fetching it when the code holds a link (the link is not trusted: verify). */
export async function presentationFromQrText(
  text: string,
  fetchText: (url: string) => Promise<string> = async (url) => {
    const res = await fetch(url);
    if (!res.ok) throw new LianzhengError('NOT_FOUND', `the presentation link answered ${res.status}`);
    return res.text();
  },
): Promise<string> {
  const t = text.trim();
  if (!/^https?:\/\//.test(t)) return t;
  const body = JSON.parse(await fetchText(t)) as { presentation?: unknown };
  if (typeof body.presentation !== 'string') {
    throw new LianzhengError('CREDENTIAL_MALFORMED', 'the link holds no presentation', { details: { field: 'qr' } });
  }
  return body.presentation;
}
