/**
 * Certificate expiry as /health, /metrics and the CLI report it: this node's certificate, the consortium's CA roots,
 * and how many enrolled members' certificates expire soon. Expired certificates stop identities from transacting, so
 * they are reported weeks ahead (docs/identity.md §Expiry).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { certificateFromPem, parseCertificate } from '@lianzheng/protocol';
import type { LianzhengNode } from '../lianzhengNode.js';
import { daysLeft, expiringCertificates } from './identityRoutes.js';

/** Warn this many days before a certificate expires. */
export const EXPIRY_WARNING_DAYS = 30;

export interface CertificateEntry {
  readonly kind: 'node' | 'ca';
  readonly org: string;
  readonly id: string;
  readonly notAfter: number;
  readonly daysLeft: number;
}

export interface CertificateHealth {
  /** `ok`; `warn` when something expires within 30 days; `expired` when this node's certificate or a CA root has. */
  readonly status: 'ok' | 'warn' | 'expired';
  readonly warningDays: number;
  readonly node: CertificateEntry | null;
  readonly ca: readonly CertificateEntry[];
  /** Enrolled, unrevoked member certificates expiring within the warning period (expired ones included). */
  readonly membersExpiring: number;
}

const cache = new WeakMap<LianzhengNode, { height: number; at: number; value: CertificateHealth }>();

function nodeCertificate(node: LianzhengNode): CertificateEntry | null {
  const file = path.join(node.options.home, 'certs', `${node.identity.node}.pem`);
  if (!existsSync(file)) return null;
  try {
    const cert = parseCertificate(certificateFromPem(readFileSync(file, 'utf8')));
    return {
      kind: 'node',
      org: node.identity.org,
      id: node.identity.node,
      notAfter: cert.notAfter,
      daysLeft: daysLeft(cert.notAfter, node.clock.now()),
    };
  } catch {
    return null;
  }
}

/** Computed at most once a minute per height (the member scan reads every identity record). */
export function certificateHealth(node: LianzhengNode): CertificateHealth {
  const now = node.clock.now();
  const height = node.ledger.durableHeight;
  const hit = cache.get(node);
  if (hit !== undefined && hit.height === height && now - hit.at < 60_000) return hit.value;
  const soon = expiringCertificates(node, EXPIRY_WARNING_DAYS);
  const ca = [...node.consortium.caRoots.values()].map((r) => ({
    kind: 'ca' as const,
    org: r.org,
    id: r.fingerprint,
    notAfter: r.cert.notAfter,
    daysLeft: daysLeft(r.cert.notAfter, now),
  }));
  const own = nodeCertificate(node);
  const all = own === null ? ca : [own, ...ca];
  const expired = all.some((c) => c.notAfter < now);
  const warn = all.some((c) => c.daysLeft < EXPIRY_WARNING_DAYS) || soon.members.length > 0;
  const value: CertificateHealth = {
    status: expired ? 'expired' : warn ? 'warn' : 'ok',
    warningDays: EXPIRY_WARNING_DAYS,
    node: own,
    ca,
    membersExpiring: soon.members.length,
  };
  cache.set(node, { height, at: now, value });
  return value;
}
