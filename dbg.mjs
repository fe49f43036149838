import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { nativeSuite } from '@lianzheng/node';
import { bytesToHex, hexToBytes, signTransaction, transactionId } from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';
import WebSocket from 'ws';
const home = '/tmp/lz2', url = 'http://127.0.0.1:7272';
const g = JSON.parse(readFileSync(home + '/genesis.json'));
const k = JSON.parse(readFileSync(home + '/keys/market-admin.key.json'));
const suite = nativeSuite('ed25519-sha256');
const ws = new WebSocket(url.replace('http', 'ws') + '/v1/events?events=false');
await new Promise(r => ws.on('open', r));
const seen = new Map();
ws.on('message', d => { const m = JSON.parse(d); for (const id of m.txIds) seen.set(id, performance.now()); });
for (const n of [1, 10, 100, 250, 1000]) {
  const items = [], ids = [];
  for (let i = 0; i < n; i++) {
    const tx = buildTransaction({ chainId: g.chainId, signer: hexToBytes(k.publicKey), contract: 'notary', method: 'register', args: { alg: 'sha256', hash: randomBytes(32).toString('hex') } });
    items.push(JSON.stringify(signTransaction(suite, tx, hexToBytes(k.secretKey)))); ids.push(bytesToHex(transactionId(suite, tx)));
  }
  const t0 = performance.now();
  const r = await fetch(url + '/v1/transactions/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[' + items.join(',') + ']' });
  const j = await r.json(); const t1 = performance.now();
  while (!ids.every(id => seen.has(id))) await new Promise(r => setTimeout(r, 1));
  const t2 = Math.max(...ids.map(id => seen.get(id)));
  console.log(`batch ${n}: admitted ${j.accepted} in ${(t1 - t0).toFixed(1)} ms, all committed after ${(t2 - t0).toFixed(1)} ms`);
}
ws.close();
