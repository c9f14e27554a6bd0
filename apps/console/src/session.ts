import { createContext, useContext } from 'react';
import type { SessionView } from '@siteport/protocol';

/** The signed-in user; `canChange` is false for read-only analysts (the API refuses them too). */
export interface SessionState {
  session: SessionView;
  canChange: boolean;
}

export const SessionContext = createContext<SessionState | null>(null);

/** The current session; only used below the signed-in shell. */
export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession outside the signed-in console');
  return value;
}
