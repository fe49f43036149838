/**
 * A node's own condition, for operators: `GET /health` (liveness, height, ordering, certificates) and the Prometheus
 * text of `GET /metrics`. Both routes are public on the node; put them behind the network's access rules if needed.
 */
import { LianzhengError, type NodeHealthView } from '@lianzheng/protocol';
import type { Client } from './actions.js';

export type {
  CertificateEntryView,
  CertificateHealthView,
  NodeHealthView,
  OrderingHealthView,
  StateAlarmView,
} from '@lianzheng/protocol';

export type GetHealthReturnType = NodeHealthView;

/** Liveness and basic status of the node: height, mempool, workers, ordering, certificate expiry, startup check. */
export function getHealth(client: Client): Promise<GetHealthReturnType> {
  return client.transport.request('GET', '/health');
}

export type GetMetricsTextReturnType = string;

/**
 * The node's metrics in the Prometheus text format (version 0.0.4), unparsed. Needs a transport with `requestText`
 * (`httpTransport` has it); any other fails with SDK_TRANSPORT_UNSUPPORTED.
 */
export function getMetricsText(client: Client): Promise<GetMetricsTextReturnType> {
  const { transport } = client;
  if (transport.requestText === undefined) {
    return Promise.reject(
      new LianzhengError('SDK_TRANSPORT_UNSUPPORTED', 'this transport cannot fetch plain text (no requestText)', {
        details: { action: 'getMetricsText' },
      }),
    );
  }
  return transport.requestText('/metrics', { accept: 'text/plain' });
}
