/**
 * What only the client and job pages need: the chain (chain.ts: @solana/web3.js, Anchor,
 * the SDK's modules) and the wallet (wallet-adapter, the dev keypair). App loads this
 * module lazily the first time one of those pages is shown and keeps it mounted after,
 * so the wallet stays connected across tabs; the operator, platform and settings pages
 * never load it.
 */
import { type ReactNode, useMemo } from "react";

import { Chain } from "./chain";
import { ChainContext } from "./context";
import { WalletRoot } from "./wallet";

export default function ChainRoot({ rpcUrl, onError, children }: { rpcUrl: string; onError: (error: Error) => void; children: ReactNode }) {
  const chain = useMemo(() => new Chain(rpcUrl), [rpcUrl]);
  return (
    <ChainContext.Provider value={chain}>
      <WalletRoot rpcUrl={rpcUrl} onError={onError}>
        {children}
      </WalletRoot>
    </ChainContext.Provider>
  );
}
