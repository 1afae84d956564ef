import { useMemo, useState } from "react";

import { api } from "./api";
import { Chain } from "./chain";
import { ErrorBanner } from "./components";
import { AppContext } from "./context";
import { usePoll, useRoute } from "./hooks";
import { ClientPage } from "./pages/Client";
import { JobPage } from "./pages/Job";
import { OperatorPage } from "./pages/Operator";
import { PlatformPage } from "./pages/Platform";
import { SettingsPage } from "./pages/Settings";
import { loadSettings, saveSettings, Settings } from "./settings";
import { WalletRoot } from "./wallet";

const TABS = [
  ["client", "Client"],
  ["operator", "Operator"],
  ["platform", "Platform"],
  ["settings", "Settings"],
] as const;

export function App() {
  const [settings, setSettingsState] = useState<Settings>(loadSettings);
  const chain = useMemo(() => new Chain(settings.rpcUrl), [settings.rpcUrl]);
  const [walletError, setWalletError] = useState<Error | null>(null);
  const route = useRoute();
  const health = usePoll(() => api.health(), 2000, "health");
  const context = useMemo(
    () => ({
      settings,
      chain,
      setSettings: (next: Settings) => {
        saveSettings(next);
        setSettingsState(next);
      },
    }),
    [settings, chain],
  );
  const page = route[0] ?? "client";
  return (
    <AppContext.Provider value={context}>
      <WalletRoot rpcUrl={settings.rpcUrl} onError={(error) => setWalletError(error)}>
        <header>
          <h1>CyxWiz</h1>
          <nav>
            {TABS.map(([id, label]) => (
              <a key={id} href={`#/${id}`} className={page === id || (page === "jobs" && id === "client") ? "active" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <span className={`health ${health.error === null && health.data?.status === "ok" ? "ok" : "bad"}`} data-testid="health">
            {health.error !== null ? "coordinator down" : health.data === null ? "…" : `coordinator ${health.data.status}`}
          </span>
        </header>
        <main>
          <ErrorBanner error={health.error} />
          {walletError !== null && (
            <div className="banner error" data-testid="wallet-error">
              Wallet: {(walletError.message || walletError.name).replace(/\.+$/, "")}. If you rejected the request in your wallet, nothing was signed; try again.{" "}
              <button onClick={() => setWalletError(null)}>Dismiss</button>
            </div>
          )}
          {page === "jobs" && route[1] !== undefined ? (
            <JobPage jobId={route[1]} />
          ) : page === "operator" ? (
            <OperatorPage nodeId={route[1]} />
          ) : page === "platform" ? (
            <PlatformPage />
          ) : page === "settings" ? (
            <SettingsPage />
          ) : (
            <ClientPage />
          )}
        </main>
      </WalletRoot>
    </AppContext.Provider>
  );
}
