/** The signed-in session, for every page below the sign-in screen. */
import { createContext, useContext } from 'react';
import type { Session } from '../session/session-manager.js';

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession() outside a signed-in page');
  return session;
}
