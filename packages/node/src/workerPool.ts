import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type {
  AdmitRequest,
  AdmitResponse,
  OpenBatchRequest,
  OpenBatchResponse,
  StoreCheckRequest,
  StoreCheckResponse,
  VerifyBlockRequest,
  VerifyBlockResponse,
  WorkerConfig,
} from './chainWorker.js';
import { nodeError } from './errors.js';

export interface WorkerPoolOptions {
  /** Worker threads; default: one per core. */
  readonly threads: number;
}

export const defaultWorkerPoolOptions = (): WorkerPoolOptions => ({ threads: availableParallelism() });

interface Slot {
  readonly worker: Worker;
  pending: number;
  readonly waiters: Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
}

/** Runs the state-store check on a thread of its own (it holds its own read-only LMDB handle). */
export function checkStateStoreInWorker(request: StoreCheckRequest): Promise<StoreCheckResponse> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./chainWorker.js', import.meta.url), {
      workerData: { lianzhengStoreCheck: request },
    });
    worker.once('message', (m: StoreCheckResponse) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(nodeError('INTERNAL', `state-store check thread exited with code ${code}`));
    });
  });
}

/**
 * A fixed pool of worker threads running chainWorker.ts. Requests go to the worker with the fewest pending
 * requests. A worker that dies fails its pending requests and is replaced, so one crash never stalls admission.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly config: WorkerConfig;
  private seq = 0;
  private closed = false;

  constructor(opts: WorkerPoolOptions, config: WorkerConfig) {
    this.config = config;
    for (let i = 0; i < Math.max(1, opts.threads); i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./chainWorker.js', import.meta.url), {
      workerData: { lianzhengWorker: true, config: this.config },
    });
    const slot: Slot = { worker, pending: 0, waiters: new Map() };
    worker.on('message', (m: { seq: number; response: unknown }) => {
      const waiter = slot.waiters.get(m.seq);
      if (waiter === undefined) return;
      slot.waiters.delete(m.seq);
      slot.pending--;
      // An idle pool must not keep the process alive; a busy one must (see run()).
      if (slot.pending === 0) slot.worker.unref();
      waiter.resolve(m.response);
    });
    const failAll = (cause: unknown) => {
      for (const w of slot.waiters.values()) w.reject(nodeError('INTERNAL', 'worker thread stopped', undefined, cause));
      slot.waiters.clear();
      slot.pending = 0;
      if (!this.closed) {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots[index] = this.spawn();
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (slot.waiters.size > 0 || !this.closed) failAll(new Error(`worker exited with code ${code}`));
    });
    worker.unref();
    return slot;
  }

  private run<T>(
    request: AdmitRequest | OpenBatchRequest | VerifyBlockRequest,
    transfer: ArrayBuffer[] = [],
  ): Promise<T> {
    if (this.closed) return Promise.reject(nodeError('NODE_STOPPING', 'worker pool is closed'));
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.pending < best.pending) best = s;
    const seq = ++this.seq;
    best.pending++;
    best.worker.ref();
    return new Promise<T>((resolve, reject) => {
      best.waiters.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      best.worker.postMessage({ seq, request }, transfer);
    });
  }

  admit(request: Omit<AdmitRequest, 'kind'>): Promise<AdmitResponse> {
    return this.run<AdmitResponse>({ kind: 'admit', ...request });
  }

  /** Opens an etcd ordering batch: header, hash and node signature, then each transaction (ordered mode). */
  openBatch(value: string): Promise<OpenBatchResponse> {
    return this.run<OpenBatchResponse>({ kind: 'batch', value });
  }

  verifyBlock(request: Omit<VerifyBlockRequest, 'kind'>): Promise<VerifyBlockResponse> {
    return this.run<VerifyBlockResponse>({ kind: 'verifyBlock', ...request });
  }

  /** Requests queued but not answered, over all workers. */
  get backlog(): number {
    let n = 0;
    for (const s of this.slots) n += s.pending;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Idle workers are unref'd; a pending terminate() of an unref'd worker does not keep the event loop alive, so a
    // process whose last work is closing the pool (a refused start) could end with the close still pending — Node's
    // exit code 13 and none of the error output. Ref them until they are gone.
    await Promise.all(
      this.slots.map((s) => {
        s.worker.ref();
        return s.worker.terminate();
      }),
    );
  }
}
