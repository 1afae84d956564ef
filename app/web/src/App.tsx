/**
 * The shell: header, banners, routing. Every page is its own chunk (React.lazy); the chain
 * and wallet code (ChainRoot: @solana/web3.js, Anchor, wallet-adapter) loads only with
 * the client and job pages, so the operator, platform and settings pages never fetch it.
 */
import { lazy, Suspense, useMemo, useState } from "react";

import { api } from "./api";
import { ErrorBanner, Loading } from "./components";
import { AppContext } from "./context";
import { usePoll, useRoute } from "./hooks";
import { loadSettings, saveSettings, type Settings } from "./settings";

// The chain code expects Node's globals (Buffer…): polyfills.ts installs them, evaluated
// before any chunk that holds chain code (and only then: the shell does not need them).
const polyfilled = () => import("./polyfills");
const loadChainRoot = () => polyfilled().then(() => import("./ChainRoot"));
const loadClient = () => polyfilled().then(() => import("./pages/Client"));
const loadJob = () => polyfilled().then(() => import("./pages/Job"));

const ChainRoot = lazy(loadChainRoot);
const ClientPage = lazy(() => loadClient().then((m) => ({ default: m.ClientPage })));
const JobPage = lazy(() => loadJob().then((m) => ({ default: m.JobPage })));
const OperatorPage = lazy(() => import("./pages/Operator").then((m) => ({ default: m.OperatorPage })));
const PlatformPage = lazy(() => import("./pages/Platform").then((m) => ({ default: m.PlatformPage })));
const SettingsPage = lazy(() => import("./pages/Settings").then((m) => ({ default: m.SettingsPage })));

const TABS = [
  ["client", "Client"],
  ["operator", "Operator"],
  ["platform", "Platform"],
  ["settings", "Settings"],
] as const;

export function App() {
  const [settings, setSettingsState] = useState<Settings>(loadSettings);
  const [walletError, setWalletError] = useState<Error | null>(null);
  const route = useRoute();
  const health = usePoll(() => api.health(), 2000, "health");
  const context = useMemo(
    () => ({
      settings,
      setSettings: (next: Settings) => {
        saveSettings(next);
        setSettingsState(next);
      },
    }),
    [settings],
  );
  const page = route[0] ?? "client";
  const isJob = page === "jobs" && route[1] !== undefined;
  const isClient = !isJob && !["operator", "platform", "settings"].includes(page);
  // Once a client or job page was shown, the chain root stays mounted (the wallet stays
  // connected on the other tabs). Its chunk and the page's are fetched together, not one
  // after the other.
  const [chainLoaded, setChainLoaded] = useState(false);
  if ((isClient || isJob) && !chainLoaded) {
    void loadChainRoot();
    void (isJob ? loadJob() : loadClient());
    setChainLoaded(true);
  }
  const body = isJob ? (
    <JobPage jobId={route[1]} />
  ) : page === "operator" ? (
    <OperatorPage nodeId={route[1]} />
  ) : page === "platform" ? (
    <PlatformPage />
  ) : page === "settings" ? (
    <SettingsPage />
  ) : (
    <ClientPage />
  );
  return (
    <AppContext.Provider value={context}>
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
            Wallet: {(walletError.message || walletError.name).replace(/\.+$/, "")}. If you rejected the request in your wallet, nothing was
            signed; try again.{" "}
            <button type="button" onClick={() => setWalletError(null)}>
              Dismiss
            </button>
          </div>
        )}
        <Suspense fallback={<Loading />}>
          {chainLoaded ? (
            <ChainRoot rpcUrl={settings.rpcUrl} onError={(error) => setWalletError(error)}>
              {body}
            </ChainRoot>
          ) : (
            body
          )}
        </Suspense>
      </main>
    </AppContext.Provider>
  );
}
