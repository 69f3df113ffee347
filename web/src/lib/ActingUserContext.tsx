import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { setActingUser } from '../api';

const STORAGE_KEY = 'ascent.user';

/** Who the UI acts as; `''` sends no `x-ascent-user` header and the server records `anonymous`. */
export interface ActingUser {
  user: string;
  setUser: (user: string) => void;
}

const ActingUserContext = createContext<ActingUser>({ user: '', setUser: () => undefined });

function readStored(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Holds the acting user for the whole app, remembers it across visits and hands it to the API client. */
export function ActingUserProvider({ children }: { children: ReactNode }) {
  const [user, setState] = useState(() => {
    const stored = readStored();
    // Set before the first render, so the first requests already carry the header.
    setActingUser(stored);
    return stored;
  });
  const setUser = useCallback((next: string) => {
    const value = next.trim();
    setActingUser(value);
    setState(value);
    try {
      localStorage.setItem(STORAGE_KEY, value);
    } catch {
      // storage disabled: the name lasts for this page only
    }
  }, []);
  const value = useMemo(() => ({ user, setUser }), [user, setUser]);
  return <ActingUserContext.Provider value={value}>{children}</ActingUserContext.Provider>;
}

export function useActingUser(): ActingUser {
  return useContext(ActingUserContext);
}
