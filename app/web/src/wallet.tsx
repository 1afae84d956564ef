/**
 * The connected wallet, whichever kind: a browser wallet through wallet-adapter (any
 * Wallet Standard wallet the browser has: Phantom, Solflare, Backpack…; it signs requests
 * with signMessage and the escrow with signTransaction), or a dev keypair (a
 * solana-keygen file, for the local chain only) kept in this tab's sessionStorage.
 */
import { ConnectionProvider, useWallet, WalletProvider } from "@solana/wallet-adapter-react";
import { Keypair, type PublicKey, type Transaction } from "@solana/web3.js";
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from "react";

import type { TransactionSigner } from "./chain";
import { keypairSigner, parseKeypairJson } from "./dev-keypair";
import type { MessageSigner } from "./signing";

export interface ActiveWallet {
  mode: "dev" | "browser";
  label: string;
  publicKey: PublicKey;
  signer: MessageSigner;
  tx: TransactionSigner;
}

interface WalletState {
  active: ActiveWallet | null;
  /** Loads a solana-keygen JSON keypair; throws KeypairFileError with the reason. */
  loadDevKeypair(text: string): void;
  disconnect(): void;
}

const SESSION_KEY = "cyxwiz.devKeypair";
const Context = createContext<WalletState | null>(null);

function devWallet(secretKey: Uint8Array): ActiveWallet {
  const keypair = Keypair.fromSecretKey(secretKey);
  return {
    mode: "dev",
    label: "dev keypair (localnet only)",
    publicKey: keypair.publicKey,
    signer: keypairSigner(secretKey),
    tx: {
      publicKey: keypair.publicKey,
      signTransaction: async (transaction: Transaction) => {
        transaction.sign(keypair);
        return transaction;
      },
    },
  };
}

function restoreDev(): ActiveWallet | null {
  const stored = window.sessionStorage.getItem(SESSION_KEY);
  if (stored === null) return null;
  try {
    return devWallet(parseKeypairJson(stored));
  } catch {
    window.sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
}

function Inner({ children }: { children: ReactNode }) {
  const adapter = useWallet();
  const [dev, setDev] = useState<ActiveWallet | null>(restoreDev);

  const { publicKey, signMessage, signTransaction, wallet, connected } = adapter;
  const browser = useMemo<ActiveWallet | null>(() => {
    if (!connected || publicKey === null) return null;
    const name = wallet?.adapter.name ?? "wallet";
    const missing = async (): Promise<never> => {
      throw new Error(`${name} cannot sign messages; use a wallet that supports signMessage`);
    };
    return {
      mode: "browser",
      label: name,
      publicKey,
      signer: { publicKey: publicKey.toBase58(), signMessage: signMessage ?? missing },
      tx: {
        publicKey,
        signTransaction: async (transaction) => {
          if (signTransaction === undefined) throw new Error(`${name} cannot sign transactions`);
          return signTransaction(transaction);
        },
      },
    };
  }, [publicKey, connected, signMessage, signTransaction, wallet]);

  const loadDevKeypair = useCallback(
    (text: string) => {
      const secretKey = parseKeypairJson(text.trim());
      if (adapter.connected) void adapter.disconnect();
      window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(Array.from(secretKey)));
      setDev(devWallet(secretKey));
    },
    [adapter],
  );

  const disconnect = useCallback(() => {
    window.sessionStorage.removeItem(SESSION_KEY);
    setDev(null);
    if (adapter.connected) void adapter.disconnect();
  }, [adapter]);

  const value = useMemo(() => ({ active: browser ?? dev, loadDevKeypair, disconnect }), [browser, dev, loadDevKeypair, disconnect]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function WalletRoot({ rpcUrl, children, onError }: { rpcUrl: string; children: ReactNode; onError: (error: Error) => void }) {
  return (
    <ConnectionProvider endpoint={rpcUrl}>
      <WalletProvider wallets={[]} autoConnect onError={onError}>
        <Inner>{children}</Inner>
      </WalletProvider>
    </ConnectionProvider>
  );
}

export function useActiveWallet(): WalletState {
  const state = useContext(Context);
  if (state === null) throw new Error("useActiveWallet outside WalletRoot");
  return state;
}
