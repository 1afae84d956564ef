import { type FormEvent, useState } from "react";

import { Card } from "../components";
import { useApp } from "../context";
import { defaultSettings } from "../settings";

export function SettingsPage() {
  const { settings, setSettings } = useApp();
  const [rpcUrl, setRpcUrl] = useState(settings.rpcUrl);
  const [gatewayUrl, setGatewayUrl] = useState(settings.gatewayUrl);
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSettings({ rpcUrl: new URL(rpcUrl, window.location.origin).href, gatewayUrl: gatewayUrl.trim() });
  };
  return (
    <div className="page">
      <Card title="Settings">
        <form onSubmit={save} className="form">
          <label>
            Solana RPC URL
            <input value={rpcUrl} onChange={(e) => setRpcUrl(e.target.value)} data-testid="rpc-url" />
          </label>
          <p className="muted">
            Default {defaultSettings().rpcUrl}: the page's own origin, which forwards to the chain (vite dev proxies /rpc). The localnet's
            RPC sends no CORS headers, so it cannot be called from the page directly; devnet's can.
          </p>
          <label>
            IPFS gateway (for downloading weights)
            <input value={gatewayUrl} onChange={(e) => setGatewayUrl(e.target.value)} placeholder="http://127.0.0.1:8080" />
          </label>
          <button type="submit">Save</button>
        </form>
      </Card>
    </div>
  );
}
