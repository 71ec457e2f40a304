// What the browser-side benchmarks share: a fresh release server on a free
// port and a temporary database, with the rate limits raised so a board
// fills as fast as acks come back.
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "../..");

/** Starts target/release/scrawl; resolves once it answers. `stop()` ends it. */
async function startServer() {
  const port = 3400 + Math.floor(Math.random() * 500);
  const base = `http://127.0.0.1:${port}`;
  const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "scrawl-bench-")), "bench.db");
  const args = ["--addr", `127.0.0.1:${port}`, "--db", db, "--stroke-rate", "100000", "--edit-rate", "100000"];
  const server = spawn(path.join(root, "target/release/scrawl"), args, {
    cwd: root,
    env: { ...process.env, LEPTOS_SITE_ROOT: "target/site", LEPTOS_ENV: "PROD", RUST_LOG: "warn" },
    stdio: "inherit",
  });
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(base + "/");
      return { base, stop: () => server.kill("SIGTERM") };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  server.kill("SIGTERM");
  throw new Error("server did not start");
}

module.exports = { startServer };
