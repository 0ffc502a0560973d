/**
 * The Careloop session when there is one. The coordinator pages also render outside a SMART session
 * (a Medplum sign-in, component tests), so they read the session — the practitioner, the sandbox clock —
 * when it is there and fall back otherwise.
 */

import type { CareloopSession } from '../session/session';
import { useCareloopSession } from '../session/SessionContext';

/** The session, or undefined outside a SessionProvider. */
export function useOptionalSession(): CareloopSession | undefined {
  try {
    return useCareloopSession();
  } catch {
    return undefined;
  }
}
