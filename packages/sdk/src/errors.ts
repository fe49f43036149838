import { defineErrors } from '@lianzheng/protocol';

export const sdkErrors = defineErrors({
  SDK_TRANSPORT_FAILED: {
    category: 'unavailable',
    description: 'The SDK could not reach the node (connection refused, timeout, DNS).',
  },
  SDK_GENESIS_CHANGED: {
    category: 'conflict',
    description:
      'The node serves another genesis for this chain than the one the client pinned (the web app pins it on first use); nothing it says is verified against it.',
  },
  SDK_TX_PENDING: {
    category: 'unavailable',
    description: 'The transaction was accepted but was not in a block before the wait ended; look it up again later.',
  },
  SDK_TRANSPORT_UNSUPPORTED: {
    category: 'invalid',
    description:
      'The transport given to the SDK cannot do what the action needs (a plain-text GET such as /metrics needs `requestText`).',
  },
  SDK_RESPONSE_INVALID: {
    category: 'internal',
    description:
      'The node answered with something that is not the documented JSON (a proxy error page, a truncated body).',
  },
});
