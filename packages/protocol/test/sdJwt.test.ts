/**
 * SD-JWT with key binding (RFC 9901 profile of PROTOCOL.md §20): round trips under both suites, interoperability with
 * an independent implementation in both directions (@sd-jwt/sd-jwt-vc 0.19: it verifies what we issue and present;
 * we verify what it issues), and tampering of every kind refused with a coded error (property tests).
 */
import crypto from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLianzhengError } from '../src/errors.js';
import {
  base64urlDecode,
  base64urlEncode,
  disclosedClaims,
  issueSdJwt,
  jwkToPublicKey,
  parseSdJwt,
  presentSdJwt,
  publicKeyToJwk,
  SD_JWT_VC_TYP,
  verifyJws,
  verifyKeyBinding,
} from '../src/sdJwt.js';
import { type CryptoSuite, ed25519Sha256Portable, sm2Sm3Portable } from '../src/suite.js';

const NOW = 1_790_000_000; // seconds
const AUD = 'https://verifier.example.gov.cn';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return isLianzhengError(e) ? e.code : `uncoded: ${String(e)}`;
  }
}

function licence(suite: CryptoSuite) {
  const issuer = suite.randomSecretKey();
  const holder = suite.randomSecretKey();
  const holderPublic = suite.publicKeyFromSecret(holder);
  const sdJwt = issueSdJwt(suite, {
    header: { typ: SD_JWT_VC_TYP },
    claims: {
      iss: 'urn:lianzheng:demo:market',
      vct: 'urn:lianzheng:credential:business-licence',
      iat: NOW - 100,
      exp: NOW + 86_400,
      cnf: { jwk: publicKeyToJwk(suite, holderPublic) },
      licence_no: '91330106MA2AB3CD4E',
    },
    disclosable: {
      company_name: '链政科技有限公司',
      legal_representative_id: '330106199001011234',
      registered_capital: 1_000_000,
      address: '杭州市西湖区文三路 100 号',
    },
    secretKey: issuer,
  });
  return { issuer, issuerPublic: suite.publicKeyFromSecret(issuer), holder, holderPublic, sdJwt };
}

describe.each([ed25519Sha256Portable, sm2Sm3Portable])('SD-JWT under $id', (suite) => {
  it('issue → present a subset bound to a nonce → verify: only the chosen claims are visible', () => {
    const l = licence(suite);
    const issued = parseSdJwt(suite, l.sdJwt);
    expect(verifyJws(suite, issued.jws, l.issuerPublic)).toBe(true);
    expect(issued.disclosures).toHaveLength(4);
    expect(((issued.jws.payload._sd as string[]) ?? []).length).toBe(6); // 4 digests + 2 decoys
    const p = presentSdJwt(suite, l.sdJwt, ['company_name', 'registered_capital'], {
      secretKey: l.holder,
      aud: AUD,
      nonce: 'n-0001',
      iat: NOW,
    });
    const parsed = parseSdJwt(suite, p);
    expect(verifyJws(suite, parsed.jws, l.issuerPublic)).toBe(true);
    const holderKey = jwkToPublicKey(suite, (parsed.jws.payload.cnf as { jwk: unknown }).jwk);
    expect(() => verifyKeyBinding(suite, parsed, holderKey, { aud: AUD, nonce: 'n-0001', now: NOW })).not.toThrow();
    const claims = disclosedClaims(suite, parsed);
    expect(claims).toMatchObject({ company_name: '链政科技有限公司', registered_capital: 1_000_000 });
    expect(claims.legal_representative_id).toBeUndefined();
    expect(claims._sd).toBeUndefined();
    expect(p).not.toContain(base64urlEncode(new TextEncoder().encode('330106199001011234')));
  });

  it('refuses replay, another verifier, tampering and a forged issuer, each with its code', () => {
    const l = licence(suite);
    const p = presentSdJwt(suite, l.sdJwt, ['company_name'], { secretKey: l.holder, aud: AUD, nonce: 'n1', iat: NOW });
    const check = (text: string, nonce = 'n1', aud = AUD, now = NOW) => {
      const parsed = parseSdJwt(suite, text);
      if (!verifyJws(suite, parsed.jws, l.issuerPublic)) return 'SIGNATURE';
      verifyKeyBinding(suite, parsed, l.holderPublic, { aud, nonce, now });
      disclosedClaims(suite, parsed);
      return 'ok';
    };
    const code = (text: string, nonce?: string, aud?: string, now?: number) => {
      try {
        return check(text, nonce, aud, now);
      } catch (e) {
        return isLianzhengError(e) ? `${e.code}${e.details?.reason ? `/${e.details.reason}` : ''}` : String(e);
      }
    };
    expect(code(p)).toBe('ok');
    expect(code(p, 'n2')).toBe('SD_JWT_KB_INVALID/nonce');
    expect(code(p, 'n1', 'https://elsewhere')).toBe('SD_JWT_KB_INVALID/aud');
    expect(code(p, 'n1', AUD, NOW + 3600)).toBe('SD_JWT_KB_INVALID/iat');
    const [jwt, d1, kb] = p.split('~') as [string, string, string];
    // A disclosure the holder withheld, added after the KB-JWT was made: sd_hash no longer matches.
    const all = parseSdJwt(suite, l.sdJwt).disclosures.map((d) => d.encoded);
    const extra = all.find((d) => d !== d1) as string;
    expect(code(`${jwt}~${d1}~${extra}~${kb}`)).toBe('SD_JWT_KB_INVALID/sd-hash');
    // A disclosure with another value: its digest is not in _sd.
    const forged = base64urlEncode(new TextEncoder().encode(JSON.stringify(['c2FsdA', 'company_name', '假公司'])));
    expect(code(`${jwt}~${forged}~${kb}`)).toBe('SD_JWT_KB_INVALID/sd-hash');
    // Without the KB-JWT: not bound to the holder.
    expect(code(`${jwt}~${d1}~`)).toBe('SD_JWT_KB_INVALID/missing');
    // Signed by someone else's key (a holder cannot make its own licence).
    const other = licence(suite);
    expect(code(other.sdJwt)).toBe('SIGNATURE');
    // A disclosure not signed by the issuer, with key binding over it: caught by the digest check.
    const rebound = `${jwt}~${forged}~`;
    const again = presentSdJwt(suite, rebound, ['company_name'], {
      secretKey: l.holder,
      aud: AUD,
      nonce: 'n1',
      iat: NOW,
    });
    expect(code(again)).toBe('SD_JWT_DISCLOSURE_INVALID');
    // The same disclosure twice.
    expect(codeOf(() => parseSdJwt(suite, `${jwt}~${d1}~${d1}~`))).toBe('SD_JWT_DISCLOSURE_INVALID');
  });

  it('property: any mutation of a presentation is refused with a coded error, never accepted', () => {
    const l = licence(suite);
    const p = presentSdJwt(suite, l.sdJwt, ['company_name', 'address'], {
      secretKey: l.holder,
      aud: AUD,
      nonce: 'n',
      iat: NOW,
    });
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~.';
    let tried = 0;
    fc.assert(
      fc.property(fc.nat(p.length - 1), fc.nat(B64.length - 1), (at, c) => {
        const ch = B64[c] as string;
        fc.pre(p[at] !== ch);
        const mutated = p.slice(0, at) + ch + p.slice(at + 1);
        tried++;
        const outcome = codeOf(() => {
          const parsed = parseSdJwt(suite, mutated);
          if (!verifyJws(suite, parsed.jws, l.issuerPublic)) throw Object.assign(new Error('sig'), { sig: true });
          verifyKeyBinding(suite, parsed, l.holderPublic, { aud: AUD, nonce: 'n', now: NOW });
          disclosedClaims(suite, parsed);
        });
        // Base64url has no spare bits in a full quantum but the last character of a part may carry padding bits;
        // such a mutation decodes to the same bytes only when canonical decoding would accept it — it does not.
        expect(outcome === 'ok', `accepted ${mutated}`).toBe(false);
      }),
      { seed: 20261121, numRuns: 400 },
    );
    expect(tried).toBeGreaterThan(300);
  });
});

describe('interoperability with @sd-jwt/sd-jwt-vc 0.19 (an independent implementation)', () => {
  const suite = ed25519Sha256Portable;
  const nodeKey = (publicKey: Uint8Array) =>
    crypto.createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
      format: 'jwk',
    });
  const verifyWith = (publicKey: Uint8Array) => (data: string, sig: string) =>
    crypto.verify(null, Buffer.from(data), nodeKey(publicKey), Buffer.from(sig, 'base64url'));
  const hasher = (data: string | ArrayBuffer, alg: string) => {
    expect(alg).toBe('sha-256');
    return new Uint8Array(
      crypto
        .createHash('sha256')
        .update(typeof data === 'string' ? data : Buffer.from(data))
        .digest(),
    );
  };

  it('verifies our EdDSA licence and our selective-disclosure presentation with its key binding', async () => {
    const l = licence(suite);
    const lib = new SDJwtVcInstance({
      verifier: verifyWith(l.issuerPublic),
      kbVerifier: (data, sig, payload) => {
        const jwk = (payload.cnf as { jwk: unknown }).jwk;
        return verifyWith(jwkToPublicKey(suite, jwk))(data, sig);
      },
      hasher,
      hashAlg: 'sha-256',
    });
    const full = await lib.verify(l.sdJwt, { currentDate: NOW });
    expect(full.payload).toMatchObject({
      company_name: '链政科技有限公司',
      legal_representative_id: '330106199001011234',
    });
    const p = presentSdJwt(suite, l.sdJwt, ['company_name'], {
      secretKey: l.holder,
      aud: AUD,
      nonce: 'lib-n',
      iat: NOW,
    });
    const r = await lib.verify(p, { keyBindingNonce: 'lib-n', currentDate: NOW, requiredClaimKeys: ['company_name'] });
    expect(r.payload.company_name).toBe('链政科技有限公司');
    expect(r.payload.legal_representative_id).toBeUndefined();
    expect(r.kb?.payload).toMatchObject({ nonce: 'lib-n', aud: AUD });
    // It refuses what we refuse: another nonce, and a presentation with a disclosure swapped in afterwards.
    await expect(lib.verify(p, { keyBindingNonce: 'other', currentDate: NOW })).rejects.toThrow();
    const [jwt, , kb] = p.split('~') as [string, string, string];
    const swapped = parseSdJwt(suite, l.sdJwt).disclosures.find((d) => d.name === 'legal_representative_id');
    await expect(
      lib.verify(`${jwt}~${swapped?.encoded}~${kb}`, { keyBindingNonce: 'lib-n', currentDate: NOW }),
    ).rejects.toThrow();
    // An issuer signature by another key.
    await expect(lib.verify(licence(suite).sdJwt, { currentDate: NOW })).rejects.toThrow();
  });

  it('we verify what it issues (EdDSA, sha-256 disclosures)', async () => {
    const issuer = crypto.generateKeyPairSync('ed25519');
    const issuerPublic = new Uint8Array(
      Buffer.from((issuer.publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url'),
    );
    const lib = new SDJwtVcInstance({
      signer: (data: string) => crypto.sign(null, Buffer.from(data), issuer.privateKey).toString('base64url'),
      signAlg: 'EdDSA',
      hasher,
      hashAlg: 'sha-256',
      saltGenerator: () => base64urlEncode(crypto.randomBytes(16)),
    });
    const text = await lib.issue(
      { iss: 'urn:x', vct: 'urn:lianzheng:credential:business-licence', iat: NOW, name: '张三', id: '110101' },
      { _sd: ['name', 'id'] },
    );
    const parsed = parseSdJwt(suite, text);
    expect(verifyJws(suite, parsed.jws, issuerPublic)).toBe(true);
    expect(disclosedClaims(suite, parsed)).toMatchObject({ name: '张三', id: '110101' });
  });
});

describe('base64url', () => {
  it('round-trips, and refuses padding, other alphabets and non-zero padding bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
      }),
    );
    for (const bad of ['AQIDBA==', 'AQID+A', 'AQIDBB', 'AQIDB']) {
      expect(codeOf(() => base64urlDecode(bad))).toBe('SD_JWT_MALFORMED');
    }
  });
});
