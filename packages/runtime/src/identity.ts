import {
  type ConsortiumView,
  IDENTITY_CONTRACT,
  identityKeys,
  type KeyRecord,
  type Principal,
  principalOf,
  protocolError,
} from '@lianzheng/protocol';
import type { StateReader } from './contracts/contract.js';
import { runtimeError } from './errors.js';

/** Reads the key record of a public key, or null. */
export function readKeyRecord(state: StateReader, publicKey: string): KeyRecord | null {
  return state.readOther(IDENTITY_CONTRACT, identityKeys.key(publicKey)) as KeyRecord | null;
}

/**
 * Whether a key record is usable at (height, time) under a configuration; throws the coded reason when not:
 * revoked at or before `height`, organisation removed, issuing CA no longer trusted, certificate or CA outside its
 * validity period.
 */
export function checkKeyRecord(
  view: ConsortiumView,
  publicKey: string,
  record: KeyRecord,
  height: number,
  time: number,
): Principal {
  if (record.revoked !== undefined && record.revoked.height <= height) {
    throw runtimeError('IDENTITY_REVOKED', `the key was revoked at height ${record.revoked.height}`, {
      height: record.revoked.height,
      reason: record.revoked.reason,
    });
  }
  if (record.kind === 'member') {
    if (!view.orgs.has(record.org)) {
      throw runtimeError('IDENTITY_ORG_REMOVED', `organisation ${record.org} is no longer in the consortium`, {
        org: record.org,
      });
    }
    const root = view.caRoots.get(record.ca);
    if (root === undefined || root.org !== record.org) {
      throw protocolError(
        'X509_UNTRUSTED',
        `the CA that issued this certificate is no longer trusted by ${record.org}`,
        {
          org: record.org,
        },
      );
    }
    if (time < record.notBefore || time > record.notAfter) {
      throw protocolError('X509_EXPIRED', 'the certificate is outside its validity period', {
        notBefore: record.notBefore,
        notAfter: record.notAfter,
        at: time,
      });
    }
    if (time < root.cert.notBefore || time > root.cert.notAfter) {
      throw protocolError('X509_EXPIRED', 'the CA certificate that issued it is outside its validity period', {
        which: 'ca',
        notAfter: root.cert.notAfter,
      });
    }
  }
  return principalOf(publicKey, record);
}

/**
 * Resolves signers to principals with a cache of key records. The cache holds records as last read from the latest
 * state; `invalidate` must be called for every key whose record is written, `clear` when the configuration changes.
 */
export class IdentityResolver {
  private readonly records = new Map<string, KeyRecord | null>();
  private readonly maxEntries: number;

  constructor(opts: { maxEntries: number } = { maxEntries: 100_000 }) {
    this.maxEntries = opts.maxEntries;
  }

  record(state: StateReader, publicKey: string): KeyRecord | null {
    let r = this.records.get(publicKey);
    if (r === undefined) {
      r = readKeyRecord(state, publicKey);
      if (this.records.size >= this.maxEntries) this.records.delete(this.records.keys().next().value as string);
      this.records.set(publicKey, r);
    }
    return r;
  }

  resolve(state: StateReader, view: ConsortiumView, publicKey: string, height: number, time: number): Principal {
    const record = this.record(state, publicKey);
    if (record === null) throw runtimeError('IDENTITY_UNKNOWN', 'the signing key is not a registered identity');
    return checkKeyRecord(view, publicKey, record, height, time);
  }

  invalidate(publicKey: string): void {
    this.records.delete(publicKey);
  }

  clear(): void {
    this.records.clear();
  }
}
