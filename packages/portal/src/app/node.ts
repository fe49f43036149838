/**
 * The node this page was served by, reached only through the SDK, and the trust anchor the browser verifies against.
 *
 * The genesis is pinned on first use (trust on first use, like SSH): its hash is kept in localStorage and shown in the
 * footer so anyone can compare it with the hash the consortium publishes. If a node later serves a different genesis
 * for the same chain id, verification in the browser stops with a warning instead of trusting the new one.
 */
import {
  assertGenesis,
  bytesToHex,
  type ChainInfo,
  type Genesis,
  genesisHash,
  LianzhengError,
  portableSuite,
} from '@lianzheng/protocol';
import { type Client, createClient, getChainInfo, httpTransport } from '@lianzheng/sdk';

export const client: Client = createClient({ transport: httpTransport(window.location.origin) });

export interface TrustAnchor {
  readonly chainId: string;
  readonly genesisHash: string;
  readonly suite: string;
  readonly genesis: Genesis;
  /** False when the node's genesis differs from the one pinned in this browser. */
  readonly matchesPinned: boolean;
  readonly height: number;
}

const PIN_PREFIX = 'lianzheng.genesis.';
let anchor: Promise<TrustAnchor> | undefined;

function pin(info: ChainInfo): boolean {
  const key = `${PIN_PREFIX}${info.chainId}`;
  try {
    const pinned = localStorage.getItem(key);
    if (pinned === null) {
      localStorage.setItem(key, info.genesisHash);
      return true;
    }
    return pinned === info.genesisHash;
  } catch {
    return true;
  }
}

/** The genesis document as served, its hash computed here (the node's `genesisHash` field is not trusted). */
function checkedInfo(info: ChainInfo): ChainInfo {
  const genesis = assertGenesis(info.genesis);
  const hash = bytesToHex(genesisHash(portableSuite(genesis.suite), genesis));
  return { ...info, genesis, genesisHash: hash };
}

/** The chain's genesis, checked against the pinned hash (fetched once per page load). */
export function trustAnchor(): Promise<TrustAnchor> {
  anchor ??= getChainInfo(client)
    .then(checkedInfo)
    .then(
      (info) => ({
        chainId: info.chainId,
        genesisHash: info.genesisHash,
        suite: info.suite,
        genesis: info.genesis,
        matchesPinned: pin(info),
        height: info.height,
      }),
      (error: unknown) => {
        anchor = undefined;
        throw error;
      },
    );
  return anchor;
}

/** The genesis to verify against; throws when it no longer matches the pinned one. */
export async function pinnedGenesis(): Promise<Genesis> {
  const a = await trustAnchor();
  if (!a.matchesPinned) {
    throw new LianzhengError(
      'SDK_GENESIS_CHANGED',
      'the node serves another genesis than the one pinned in this browser',
      {
        details: { chainId: a.chainId, served: a.genesisHash },
      },
    );
  }
  return a.genesis;
}
