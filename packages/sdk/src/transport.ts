import { LianzhengError } from '@lianzheng/protocol';

/** How the SDK reaches a node. The caller owns I/O: pass a custom `fetch` for proxies, retries or tests. */
export interface Transport {
  request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<T>;
  /**
   * A GET whose answer is plain text rather than JSON (the Prometheus `/metrics`). Optional: actions that need it
   * fail with SDK_TRANSPORT_UNSUPPORTED on a transport without it.
   */
  requestText?(path: string, headers?: Readonly<Record<string, string>>): Promise<string>;
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
  const send = async (
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    headers: Readonly<Record<string, string>>,
  ): Promise<Response> => {
    try {
      return await doFetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
    } catch (cause) {
      throw new LianzhengError('SDK_TRANSPORT_FAILED', `cannot reach ${base}`, { details: { url: base }, cause });
    }
  };
  return {
    async request<T>(
      method: 'GET' | 'POST',
      path: string,
      body?: string,
      headers: Readonly<Record<string, string>> = {},
    ): Promise<T> {
      const response = await send(method, path, body, headers);
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
      if (!response.ok) throw errorOf(json, response.status);
      return json as T;
    },
    async requestText(path: string, headers: Readonly<Record<string, string>> = {}): Promise<string> {
      const response = await send('GET', path, undefined, headers);
      const text = await response.text();
      if (!response.ok) {
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not the JSON error envelope: reported by status below
        }
        throw errorOf(json, response.status);
      }
      return text;
    },
  };
}

/** The node's error envelope `{ error: { code, message, details } }` as a coded error (SDK_RESPONSE_INVALID if none). */
function errorOf(json: unknown, status: number): LianzhengError {
  const e = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
  return new LianzhengError(e?.code ?? 'SDK_RESPONSE_INVALID', e?.message ?? `HTTP ${status}`, {
    details: { ...(e?.details ?? {}), status },
  });
}
