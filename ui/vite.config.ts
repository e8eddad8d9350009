import { defineConfig } from "vitest/config";

// The page is loaded from the Tauri asset protocol, so every URL is relative; WebKitGTK 2.50 runs ES2021.
export default defineConfig({
  base: "./",
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2021",
    sourcemap: false,
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
