// What the browser-side benchmarks share: a fresh release server on a free
// port and a temporary database, with the rate limits raised so a board
// fills as fast as acks come back; a client that fills a board with many
// acks in flight; Chromium as the tests run it; percentiles.
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

/**
 * Joins `board` as `client` once synced. `send` keeps up to `window` acked
 * events in flight and throws on a refusal; `close` waits for the rest.
 */
async function filler(base, board, client, window) {
  const { io } = require("socket.io-client");
  const s = io(base, { auth: { board, client }, transports: ["websocket"], reconnection: false });
  await new Promise((r) => s.once("synced", r));
  let flight = [];
  const settle = async () => {
    for (const { event, ack } of await Promise.all(flight)) if (!ack.ok) throw new Error(`${event} refused: ${ack.error}`);
    flight = [];
  };
  return {
    send: async (event, data) => {
      flight.push(s.emitWithAck(event, data).then((ack) => ({ event, ack })));
      if (flight.length >= window) await settle();
    },
    close: async () => {
      await settle();
      s.disconnect();
    },
  };
}

/** Debian's Chromium, with the flags this machine needs (root, no network). */
function launchChromium() {
  const { chromium } = require("@playwright/test");
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** p50, p99 and max of `xs` (ms). */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(1);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${s[s.length - 1].toFixed(1)} ms (n ${s.length})`;
}

module.exports = { startServer, filler, launchChromium, stats };
