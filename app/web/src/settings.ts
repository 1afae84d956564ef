/**
 * Where the dashboard finds the chain and IPFS. The coordinator is always this page's
 * origin. The Solana RPC defaults to `<origin>/rpc` (`vite dev` proxies it to
 * $CYXWIZ_RPC_URL; the localnet's RPC sends no CORS headers, so a browser can only reach
 * it through the same origin); any CORS-enabled RPC (devnet) can be set instead. The IPFS
 * gateway, if set, is where weights are downloaded from. `?rpc=…&gateway=…` in the URL
 * sets them too; they are kept in localStorage.
 */
export interface Settings {
  rpcUrl: string;
  gatewayUrl: string;
}

const KEY = "cyxwiz.settings";

export function defaultSettings(): Settings {
  return { rpcUrl: new URL("/rpc", window.location.origin).href, gatewayUrl: "" };
}

export function loadSettings(): Settings {
  let stored: Partial<Settings> = {};
  try {
    stored = JSON.parse(window.localStorage.getItem(KEY) ?? "{}") as Partial<Settings>;
  } catch {
    stored = {};
  }
  const settings = { ...defaultSettings(), ...stored };
  const query = new URLSearchParams(window.location.search);
  const rpc = query.get("rpc");
  const gateway = query.get("gateway");
  if (rpc !== null) settings.rpcUrl = new URL(rpc, window.location.origin).href;
  if (gateway !== null) settings.gatewayUrl = gateway;
  if (rpc !== null || gateway !== null) saveSettings(settings);
  return settings;
}

export function saveSettings(settings: Settings): void {
  window.localStorage.setItem(KEY, JSON.stringify(settings));
}

export function weightsUrl(settings: Settings, cid: string): string | null {
  if (settings.gatewayUrl === "") return null;
  return `${settings.gatewayUrl.replace(/\/+$/, "")}/ipfs/${cid}`;
}
