/** The client's wallet: connect a browser wallet or load a dev keypair; once connected, its address and balances. */
import { useWallet } from "@solana/wallet-adapter-react";
import { WalletReadyState } from "@solana/wallet-adapter-base";
import { type ChangeEvent, useState } from "react";

import { Amount, Card, Empty, ErrorBanner, Loading } from "../../components";
import { useChain } from "../../context";
import { sol } from "../../format";
import { usePoll } from "../../hooks";
import { type ActiveWallet, useActiveWallet } from "../../wallet";

export function WalletPanel() {
  const { active, loadDevKeypair, disconnect } = useActiveWallet();
  const adapter = useWallet();
  const [paste, setPaste] = useState("");
  const [error, setError] = useState<unknown>(null);
  const browserWallets = adapter.wallets.filter(
    (w) => w.readyState === WalletReadyState.Installed || w.readyState === WalletReadyState.Loadable,
  );

  const load = (text: string) => {
    try {
      loadDevKeypair(text);
      setError(null);
      setPaste("");
    } catch (caught) {
      setError(caught);
    }
  };
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file !== undefined) load(await file.text());
    event.target.value = "";
  };

  if (active !== null) {
    return (
      <Card title="Wallet" testId="wallet">
        <p>
          Connected: <code data-testid="wallet-address">{active.publicKey.toBase58()}</code> <span className="muted">({active.label})</span>
        </p>
        {active.mode === "dev" && <DevWarning />}
        <Balances wallet={active} />
        <button type="button" onClick={disconnect}>
          Disconnect
        </button>
      </Card>
    );
  }
  return (
    <Card title="Connect a wallet" testId="wallet">
      <h3>Browser wallet</h3>
      {browserWallets.length === 0 ? (
        <Empty>
          No browser wallet detected (Phantom, Solflare, Backpack… appear here when installed). On the local chain, use a dev keypair below.
        </Empty>
      ) : (
        <div className="row">
          {browserWallets.map((w) => (
            <button type="button" key={w.adapter.name} onClick={() => adapter.select(w.adapter.name)} disabled={adapter.connecting}>
              {w.adapter.icon && <img src={w.adapter.icon} alt="" width={16} height={16} />} {w.adapter.name}
            </button>
          ))}
        </div>
      )}
      <h3>Dev keypair</h3>
      <DevWarning />
      <label>
        solana-keygen JSON file: <input type="file" accept=".json,application/json" onChange={onFile} data-testid="dev-keypair-file" />
      </label>
      <label>
        or paste it:
        <textarea
          rows={2}
          value={paste}
          onChange={(e) => setPaste(e.target.value)}
          placeholder="[12,34,…64 numbers]"
          data-testid="dev-keypair-paste"
        />
      </label>
      <button type="button" onClick={() => load(paste)} disabled={paste.trim() === ""}>
        Use pasted keypair
      </button>
      <ErrorBanner error={error} context="Keypair" />
    </Card>
  );
}

function DevWarning() {
  return (
    <p className="banner warn" data-testid="dev-warning">
      Dev keypair mode is for the local chain only: the secret key is held by this page (and this tab's session storage). Never load a key
      that holds real funds.
    </p>
  );
}

function Balances({ wallet }: { wallet: ActiveWallet }) {
  const chain = useChain();
  const key = wallet.publicKey.toBase58();
  const balances = usePoll(() => chain.balances(wallet.publicKey), 3000, `bal:${key}${chain.rpcUrl}`);
  if (balances.loading) return <Loading />;
  return (
    <div>
      <ErrorBanner error={balances.error} context="Balances" />
      {balances.data !== null && (
        <p>
          Balance: <Amount value={balances.data.tokens} testId="token-balance" /> · {sol(balances.data.lamports)}
        </p>
      )}
    </div>
  );
}
