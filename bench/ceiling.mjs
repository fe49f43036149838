// Measures this machine's signature-verification ceiling: one worker thread per core verifying in a tight loop.
// The figure every throughput target is a ratio to.

import crypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

if (!isMainThread) {
  const { suite, seconds } = workerData;
  const msg = crypto.randomBytes(32);
  let verify;
  if (suite === 'ed25519') {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    const sig = crypto.sign(null, msg, privateKey);
    verify = () => crypto.verify(null, msg, publicKey, sig);
  } else if (suite === 'sm2') {
    const { nativeSuite } = await import('@lianzheng/node');
    const s = nativeSuite('sm2-sm3');
    const sk = s.randomSecretKey();
    const pk = s.publicKeyFromSecret(sk);
    const sig = s.sign(sk, msg);
    verify = () => s.verify(pk, msg, sig);
  } else {
    // Node's OpenSSL SM2 (empty user id): for reference only, not what the chain uses (ADR 0002).
    const k = crypto.generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const priv = crypto.createPrivateKey(k.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const pub = crypto.createPublicKey(k.publicKey.export({ type: 'spki', format: 'pem' }));
    const sig = crypto.sign(null, msg, priv);
    verify = () => crypto.verify(null, msg, pub, sig);
  }
  for (let i = 0; i < 200; i++) verify();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) verify();
    n += 50;
  }
  parentPort.postMessage(n / seconds);
}

/** Verifications per second with all cores busy, and per core. */
export async function measureCeiling(suite, seconds = 3, threads = availableParallelism()) {
  const rates = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { suite, seconds } });
          w.once('message', (rate) => {
            resolve(rate);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    ),
  );
  const total = rates.reduce((a, b) => a + b, 0);
  return { suite, threads, perSecond: Math.round(total), perCore: Math.round(total / threads) };
}
