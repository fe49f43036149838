/**
 * The consortium configuration in force (policies, organisations, governance rule), and whether the signed-in member
 * may make a call: the same policy evaluation every node runs (protocol `evaluatePolicy`), so the console offers only
 * what the chain would accept. The node still decides; this only spares people buttons that cannot work.
 */
import {
  type ConfigRecord,
  evaluatePolicy,
  type PolicyObject,
  type Principal,
  policyFor,
  policyOrgs,
} from '@lianzheng/protocol';
import { getConfig } from '@lianzheng/sdk';
import { client } from '../app/node.js';

let config: Promise<ConfigRecord> | undefined;

/** The configuration (loaded once per page; `fresh` loads it again, e.g. after a governance decision). */
export function loadConfig(fresh = false): Promise<ConfigRecord> {
  if (fresh) config = undefined;
  config ??= getConfig(client).catch((error: unknown) => {
    config = undefined;
    throw error;
  });
  return config;
}

/** Whether `who`, signing alone, satisfies the policy of `contract.method` (none: refused, as on chain). */
export function mayCall(
  record: ConfigRecord,
  who: Principal,
  contract: string,
  method: string,
  object?: PolicyObject,
): boolean {
  const policy = policyFor(record.config, contract, method);
  if (policy === undefined) return false;
  return evaluatePolicy(policy, {
    signer: who,
    cosigners: [],
    orgs: policyOrgs(record.config),
    ...(object === undefined ? {} : { object }),
  });
}
