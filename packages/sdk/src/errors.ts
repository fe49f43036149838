import { defineErrors } from '@lianzheng/protocol';

export const sdkErrors = defineErrors({
  SDK_TRANSPORT_FAILED: {
    category: 'unavailable',
    description: 'The SDK could not reach the node (connection refused, timeout, DNS).',
  },
  SDK_RESPONSE_INVALID: {
    category: 'internal',
    description:
      'The node answered with something that is not the documented JSON (a proxy error page, a truncated body).',
  },
});
