/**
 * Key files in the browser: the protocol's portable reader and sealer (scrypt in TypeScript, Web Crypto AES-GCM,
 * SM4-CTR + HMAC-SM3 in TypeScript; docs/identity.md §7.1), re-exported so that a portal needs only the SDK, and a
 * signer for an opened file.
 */
import { type OpenedKeyFile, portableSuite } from '@lianzheng/protocol';
import { keySigner, type Signer } from './signer.js';

export {
  type KeyFileHeader,
  type NewKeyFile,
  type OpenedKeyFile,
  type OpenKeyFileOptions,
  openKeyFile,
  readKeyFileHeader,
  type SealKeyFileOptions,
  sealKeyFile,
} from '@lianzheng/protocol';

/**
 * A signer for the key of an opened file. It keeps its own copy of the secret, so the caller may wipe
 * `opened.secretKey` (`fill(0)`) as soon as it has the signer.
 */
export function keyFileSigner(opened: OpenedKeyFile): Signer {
  return keySigner(portableSuite(opened.suite), Uint8Array.from(opened.secretKey));
}
