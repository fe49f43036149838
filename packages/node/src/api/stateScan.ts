/**
 * Reading a contract's whole state under a prefix at one durable height: for the views that scan rather than look up
 * (published statistics, a department's licences). The key index may list keys of a block that is not durable yet, so
 * values are read at a given height and keys without a value there are skipped by the callers: what they build is
 * exactly the state of one block.
 */
import { isLianzhengError, type JsonValue } from '@lianzheng/protocol';
import type { LianzhengNode } from '../lianzhengNode.js';

/** What a scan needs of the node. */
export type StateScanSource = Pick<LianzhengNode, 'stateKeys' | 'chain'>;

/** Keys read per page of the node's key index. */
export const STATE_SCAN_PAGE = 1_000;

/** Every key under `prefix`, page by page (a view over a truncated list would be wrong, not partial). */
export function* stateKeysUnder(node: StateScanSource, contract: string, prefix: string): Generator<string> {
  let after: string | undefined;
  for (;;) {
    const page = node.stateKeys(contract, prefix, {
      limit: STATE_SCAN_PAGE,
      ...(after === undefined ? {} : { after }),
    });
    yield* page;
    if (page.length < STATE_SCAN_PAGE) return;
    after = page[page.length - 1];
  }
}

/** The value of a key at `height`, or null when it has none there. */
export function stateValueAt(node: StateScanSource, contract: string, key: string, height: number): JsonValue | null {
  try {
    return node.chain.state(contract, key, { height }).value;
  } catch (error) {
    if (isLianzhengError(error) && error.code === 'STATE_KEY_NOT_FOUND') return null;
    throw error;
  }
}
