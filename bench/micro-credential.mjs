// E-licence throughput on one node in this process (ADR 0015): issuing (the seal signs an SD-JWT VC and its anchor
// transaction; anchors committed in durable blocks), presenting (the holder's selective disclosure with key binding),
// and verifying trusting no node (seal certificate, signatures, key binding, disclosures, status from a certified
// checkpoint and its state proof) — per second, on one core each, next to this machine's signature ceiling.
//   node bench/micro-credential.mjs [count=2000] [--suite ed25519-sha256|sm2-sm3]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_ORGS, demoStaff, initHome, LianzhengNode, loadKeyFile } from '@lianzheng/node';
import {
  addCosignature,
  bytesToHex,
  ConsortiumView,
  certificateFromBase64,
  configOfGenesis,
  consortiumFromGenesis,
  credentialKeys,
  issueCredential,
  parseCertificate,
  presentSdJwt,
  signTransaction,
  subjectIdFromTx,
  transactionId,
  verifyCredentialPresentation,
} from '@lianzheng/protocol';
import { buildTransaction } from '@lianzheng/sdk';
import pino from 'pino';
import { measureCeiling } from './ceiling.mjs';

const { values: opts, positionals } = parseArgs({
  options: { suite: { type: 'string', default: 'ed25519-sha256' } },
  allowPositionals: true,
});
const count = Number(positionals[0] ?? 2000);
const suiteId = opts.suite;
const home = mkdtempSync(path.join(os.tmpdir(), 'lz-bench-credential-'));
const passphrase = 'credential benchmark passphrase';
const DAY = 86_400_000;
try {
  const ceiling = await measureCeiling(suiteId === 'sm2-sm3' ? 'sm2' : 'ed25519', 2);
  const chainId = 'bench-credential';
  await initHome({
    home,
    chainId,
    suite: suiteId,
    orgs: DEMO_ORGS,
    time: Date.now() - 60_000,
    passphrase,
    staff: demoStaff(DEMO_ORGS),
    scryptN: 2 ** 12,
  });
  const key = (id) => loadKeyFile(path.join(home, 'keys', `${id}.key.json`), passphrase);
  const node = await LianzhengNode.open(home, {}, { log: pino({ level: 'silent' }), passphrase });
  const suite = node.suite;
  const [seal, registrar] = await Promise.all(['market-seal', 'market-registrar'].map(key));
  const sealCert = node.genesis.members
    .map(certificateFromBase64)
    .find((der) => bytesToHex(parseCertificate(der).publicKey) === bytesToHex(seal.publicKey));
  const sign = (k, contract, method, args) =>
    signTransaction(
      suite,
      buildTransaction({ chainId, signer: k.publicKey, contract, method, args, ttlMs: 3_600_000 }),
      k.secretKey,
    );
  async function commit(signed) {
    for (let i = 0; i < signed.length; i += 500) {
      const results = await node.submit(JSON.stringify(signed.slice(i, i + 500)), true);
      await Promise.all(results.filter((r) => r.ok).map((r) => node.waitFor(r.id, 120_000)));
    }
  }
  // The holder: an enterprise with a wallet key.
  const holderSecret = suite.randomSecretKey();
  const holderPublic = suite.publicKeyFromSecret(holderSecret);
  const reg = addCosignature(
    suite,
    sign(registrar, 'identity', 'registerSubject', { publicKey: bytesToHex(holderPublic), kind: 'enterprise' }),
    holderSecret,
  );
  await commit([reg]);
  const subject = subjectIdFromTx(suite, transactionId(suite, reg.tx));

  // Issue: sign the credentials and their anchors, then commit the anchors.
  const now = Date.now();
  let t0 = performance.now();
  const issued = [];
  const anchors = [];
  for (let i = 0; i < count; i++) {
    const c = issueCredential(suite, {
      chainId,
      type: 'business-licence',
      sealCertificate: sealCert,
      sealSecretKey: seal.secretKey,
      org: 'market',
      holderSubject: subject,
      holderPublicKey: holderPublic,
      validFrom: now - DAY,
      validUntil: now + 3650 * DAY,
      issuedAt: now,
      claims: { licence_no: `9133010${String(i).padStart(11, '0')}` },
      disclosable: { company_name: `基准测试公司${i}`, address: `杭州市西湖区文三路 ${i} 号`, capital: 1_000_000 + i },
    });
    issued.push(c);
    anchors.push(
      sign(seal, 'credential', 'issue', {
        id: c.id,
        type: 'business-licence',
        holder: subject,
        digest: c.digest,
        validFrom: now - DAY,
        validUntil: now + 3650 * DAY,
      }),
    );
  }
  const signSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await commit(anchors);
  const anchorSeconds = (performance.now() - t0) / 1000;
  // Wait until the last anchor is in a certified block.
  const lastKey = credentialKeys.anchor(issued.at(-1).id);
  for (let i = 0; i < 1000; i++) {
    try {
      if (node.chain.state('credential', lastKey, { proof: true }).value !== null) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }

  // Present and verify.
  t0 = performance.now();
  const presentations = issued.map((c, i) =>
    presentSdJwt(suite, c.sdJwt, ['company_name'], {
      secretKey: holderSecret,
      aud: 'bench',
      nonce: `n${i}`,
      iat: Math.floor(Date.now() / 1000),
    }),
  );
  const presentSeconds = (performance.now() - t0) / 1000;
  const statuses = issued.map((c) => node.chain.state('credential', credentialKeys.anchor(c.id), { proof: true }));
  const trust = consortiumFromGenesis(node.genesis);
  const view = new ConsortiumView(suite, { version: 1, config: configOfGenesis(node.genesis) });
  t0 = performance.now();
  let valid = 0;
  for (let i = 0; i < count; i++) {
    const v = verifyCredentialPresentation(suite, trust, view, presentations[i], statuses[i], {
      aud: 'bench',
      nonce: `n${i}`,
      now: Date.now(),
    });
    if (v.status === 'valid') valid++;
  }
  const verifySeconds = (performance.now() - t0) / 1000;
  const fmt = (n, s) => Math.round(n / s).toLocaleString('en-US');
  console.log(
    `E-licences (${suiteId}) — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${count} credentials; signature ceiling ${ceiling.perSecond.toLocaleString('en-US')}/s (all cores)`,
  );
  console.log(`  issue: sign credential + anchor transaction (1 core)     ${fmt(count, signSeconds).padStart(7)} /s`);
  console.log(
    `  anchors committed in durable blocks                       ${fmt(count, anchorSeconds).padStart(7)} /s`,
  );
  console.log(
    `  present: selective disclosure + key binding (1 core)     ${fmt(count, presentSeconds).padStart(7)} /s`,
  );
  console.log(
    `  verify, trusting no node (1 core)                        ${fmt(count, verifySeconds).padStart(7)} /s  (${valid} valid)`,
  );
  await node.close();
  if (valid !== count) process.exitCode = 1;
} finally {
  rmSync(home, { recursive: true, force: true });
}
