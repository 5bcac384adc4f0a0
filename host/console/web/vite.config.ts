import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `build.rs` passes --outDir (cargo's OUT_DIR). `npm run dev` serves the console with
// hot reload and forwards the API to a running `eoex` (EOEX_URL, default :8080).
export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2020",
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      "/api": process.env.EOEX_URL ?? "http://127.0.0.1:8080",
    },
  },
});
