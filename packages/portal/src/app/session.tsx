/**
 * Who is signed in. The secret key stays in this page's memory (never in storage, never sent anywhere): it signs the
 * sign-in challenge and the transactions the user submits. Sessions end after 15 minutes idle on the node; the page
 * then signs in again by itself with the key it holds, until the user signs out or closes the tab.
 */
import { type CryptoSuite, isLianzhengError, type Principal, portableSuite, type SuiteId } from '@lianzheng/protocol';
import { type Client, keySigner, type Signer, signIn, signOut, withSession } from '@lianzheng/sdk';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { client } from './node.js';

export interface SignedInKey {
  /** Name from the key file (a staff number, or a label the holder chose). */
  readonly id: string;
  readonly org: string;
  readonly suite: SuiteId;
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export interface Session {
  readonly key: SignedInKey;
  readonly suite: CryptoSuite;
  readonly signer: Signer;
  readonly identity: Principal;
  /** A client whose requests carry the session (and sign in again when it has expired). */
  readonly client: Client;
}

interface SessionContextValue {
  readonly session: Session | undefined;
  signInWith(key: SignedInKey): Promise<Session>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

const RESIGN_CODES = new Set(['SESSION_EXPIRED', 'SESSION_REQUIRED']);

async function openSession(key: SignedInKey): Promise<Session> {
  const suite = portableSuite(key.suite);
  const signer = keySigner(suite, key.secretKey);
  const first = await signIn(client, { suite, publicKey: key.publicKey, signer });
  let current = withSession(client, first.token);
  const resigning: Client = {
    transport: {
      async request(method, path, body, headers) {
        try {
          return await current.transport.request(method, path, body, headers);
        } catch (error) {
          if (!isLianzhengError(error) || !RESIGN_CODES.has(error.code)) throw error;
          const again = await signIn(client, { suite, publicKey: key.publicKey, signer });
          current = withSession(client, again.token);
          return current.transport.request(method, path, body, headers);
        }
      },
    },
  };
  return { key, suite, signer, identity: first.identity, client: resigning };
}

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const signInWith = useCallback(async (key: SignedInKey) => {
    const s = await openSession(key);
    setSession(s);
    return s;
  }, []);
  const out = useCallback(async () => {
    const s = session;
    setSession(undefined);
    if (s !== undefined) {
      s.key.secretKey.fill(0);
      await signOut(s.client).catch(() => undefined);
    }
  }, [session]);
  const value = useMemo(() => ({ session, signInWith, signOut: out }), [session, signInWith, out]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const v = useContext(SessionContext);
  if (v === undefined) throw new Error('useSession outside SessionProvider');
  return v;
}

/** A display name for the signed-in identity. */
export function sessionLabel(s: Session): string {
  if (s.identity.kind === 'member') return `${s.identity.member ?? s.key.id} · ${s.identity.org ?? ''}`;
  return s.key.id;
}
