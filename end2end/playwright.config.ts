import { defineConfig } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";

// The suite runs against the release build that `make test` makes, on its
// own port and a fresh database.
const port = Number(process.env.SCRAWL_E2E_PORT ?? 3100);
const db = process.env.SCRAWL_E2E_DB ?? path.join(os.tmpdir(), `scrawl-e2e-${Date.now()}.db`);
process.env.SCRAWL_E2E_DB = db;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  reporter: [["list"], ["json", { outputFile: "test-results/results.json" }]],
  outputDir: "test-results/artifacts",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: "./target/release/scrawl",
    cwd: "..",
    url: `http://127.0.0.1:${port}/`,
    env: {
      SCRAWL_ADDR: `127.0.0.1:${port}`,
      SCRAWL_DB: db,
      LEPTOS_SITE_ROOT: "target/site",
      LEPTOS_ENV: "PROD",
      RUST_LOG: "warn",
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
