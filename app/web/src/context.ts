import { createContext, useContext } from "react";

import { Chain } from "./chain";
import { Settings } from "./settings";

export interface AppContextValue {
  settings: Settings;
  chain: Chain;
  setSettings(settings: Settings): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error("useApp outside AppContext");
  return value;
}
