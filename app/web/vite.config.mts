/**
 * The dashboard's build. `npm run build:web` writes app/web/dist, which the coordinator
 * serves at / (config http.dashboardDir). `npm run dev:web` serves it with hot reload and
 * proxies /v1 and /health to the coordinator ($CYXWIZ_COORDINATOR_URL) and /rpc to the
 * Solana RPC ($CYXWIZ_RPC_URL), so the page talks to one origin.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

const root = dirname(fileURLToPath(import.meta.url));
const coordinator = process.env.CYXWIZ_COORDINATOR_URL ?? "http://127.0.0.1:7070";
const rpc = process.env.CYXWIZ_RPC_URL ?? "http://127.0.0.1:8899";

export default defineConfig({
  root,
  base: "./",
  plugins: [react()],
  resolve: {
    // The workspace packages (@cyxwiz/sdk, protocol, trainer) are bundled from their
    // TypeScript sources (their exports' "source" condition), so no build of them is needed.
    conditions: ["source", ...defaultClientConditions],
    alias: [
      // sdk/src/job-id.ts and proof.ts hash with node:crypto's createHash.
      { find: /^crypto$/, replacement: resolve(root, "src/shims/crypto.ts") },
      // sdk/src/program.ts imports Anchor's CommonJS idl helpers; the ESM build has them too.
      { find: "@coral-xyz/anchor/dist/cjs/idl", replacement: "@coral-xyz/anchor/dist/esm/idl.js" },
    ],
  },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.CYXWIZ_WEB_PORT ?? 5173),
    strictPort: true,
    proxy: {
      "/v1": coordinator,
      "/health": coordinator,
      "/rpc": { target: rpc, changeOrigin: true, rewrite: () => "/" },
    },
  },
  build: {
    outDir: resolve(root, "dist"),
    emptyOutDir: true,
    // The first load is the entry (React, the shell) and nothing else; pages are lazy
    // chunks, and the chain/wallet code (@solana/web3.js, Anchor, wallet-adapter: ~615 kB,
    // ~180 kB gzip) is one shared chunk fetched only by the client and job pages. Warn if a
    // chunk grows past that.
    chunkSizeWarningLimit: 700,
  },
});
