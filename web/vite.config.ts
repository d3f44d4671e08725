import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The gateway serves dist/ at "/"; in `npm run dev` the API is proxied to the gateway of `make run`.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, assetsInlineLimit: 0 },
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/dev": "http://127.0.0.1:8000" } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
