/** React access to the Careloop session: `useCareloopSession()` anywhere under `<SessionProvider>`. */
import { createContext, useContext, type JSX, type ReactNode } from 'react';
import type { CareloopSession } from './session';

const SessionContext = createContext<CareloopSession | undefined>(undefined);

/** Provides `session` to the tree (the app after launch, or a test). */
export function SessionProvider(props: { session: CareloopSession; children: ReactNode }): JSX.Element {
  return <SessionContext.Provider value={props.session}>{props.children}</SessionContext.Provider>;
}

/** The current connection: EHR client, practitioner, launch patient, Medplum client. */
export function useCareloopSession(): CareloopSession {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useCareloopSession() used outside <SessionProvider>');
  }
  return session;
}

/**
 * The session when there is one. The coordinator pages also render outside a SMART session (a Medplum
 * sign-in, component tests), so they read the practitioner and the sandbox clock when they are there.
 */
export function useOptionalSession(): CareloopSession | undefined {
  return useContext(SessionContext);
}
