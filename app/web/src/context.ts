import { createContext, useContext } from "react";

import type { Chain } from "./chain";
import type { Settings } from "./settings";

/** The shell's context: settings only, so the first load carries no chain code. */
export interface AppContextValue {
  settings: Settings;
  setSettings(settings: Settings): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error("useApp outside AppContext");
  return value;
}

/** The chain for the current RPC URL; provided by ChainRoot (lazy, with the client and job pages). */
export const ChainContext = createContext<Chain | null>(null);

export function useChain(): Chain {
  const value = useContext(ChainContext);
  if (value === null) throw new Error("useChain outside ChainRoot");
  return value;
}
