import { LianzhengError } from '@lianzheng/protocol';

/** How the SDK reaches a node. The caller owns I/O: pass a custom `fetch` for proxies, retries or tests. */
export interface Transport {
  request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<T>;
}

export interface HttpTransportOptions {
  readonly fetch?: typeof globalThis.fetch;
  /** Per-request timeout, ms. Default 60 000. */
  readonly timeoutMs?: number;
}

/** Errors from the node keep their code; transport failures get SDK_TRANSPORT_FAILED. */
export function httpTransport(baseUrl: string, opts: HttpTransportOptions = {}): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  return {
    async request<T>(
      method: 'GET' | 'POST',
      path: string,
      body?: string,
      headers: Readonly<Record<string, string>> = {},
    ): Promise<T> {
      let response: Response;
      try {
        response = await doFetch(`${base}${path}`, {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
        });
      } catch (cause) {
        throw new LianzhengError('SDK_TRANSPORT_FAILED', `cannot reach ${base}`, { details: { url: base }, cause });
      }
      const text = await response.text();
      let json: unknown;
      try {
        json = text.length === 0 ? null : JSON.parse(text);
      } catch (cause) {
        throw new LianzhengError('SDK_RESPONSE_INVALID', `node answered ${response.status} with non-JSON`, {
          details: { status: response.status },
          cause,
        });
      }
      if (!response.ok) {
        const e = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)
          ?.error;
        throw new LianzhengError(e?.code ?? 'SDK_RESPONSE_INVALID', e?.message ?? `HTTP ${response.status}`, {
          details: { ...(e?.details ?? {}), status: response.status },
        });
      }
      return json as T;
    },
  };
}
