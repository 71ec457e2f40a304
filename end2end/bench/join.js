// Benchmark: a big board in the browser. Fills a board of N points (default
// 1,000,000: strokes of 100 points, drawn as a pen draws, to the 1/16 pixel),
// then in Chromium:
// - opens /b/NAME and times, with performance.now() from the navigation's
//   start, until the board is synced (the status says connected) and the
//   frame after it is drawn: "drawn and live" (a big board as a sketch),
//   then until the sketch is gone: "drawn in full". Also an empty board's,
//   and the bytes the page received on its WebSocket;
// - draws a stroke with the mouse on the big board and reports the frame
//   intervals while drawing (60 fps is 16.7 ms).
// Prints figures only; nothing is asserted.
//
//   node end2end/bench/join.js [points]     (starts target/release/scrawl itself)
const { startServer, filler, launchChromium, stats } = require("./server");

const points = Number(process.argv[2] ?? 1_000_000);
const RUNS = 3;

/** Stroke k of 100 points: an arc with a little jitter, as the browser sends it. */
function penStroke(k) {
  const snap = (v) => Math.round(v * 16) / 16;
  const [cx, cy, r] = [(k * 37) % 1600, (k * 13) % 900, 40 + (k % 160)];
  const out = [];
  for (let i = 0; i < 100; i++) {
    const a = (k % 360) + i * 0.06;
    const jitter = ((k * 31 + i * 17) % 9) / 16;
    out.push(snap(cx + r * Math.cos(a) + jitter), snap(cy + r * Math.sin(a) - jitter));
  }
  return out;
}

/** One filler: strokes k ≡ f (mod fillers), 128 acks kept in flight. */
async function fill(base, board, f, fillers, strokes) {
  const { send, close } = await filler(base, board, `join${f}`, 128);
  for (let k = f; k < strokes; k += fillers) {
    await send("stroke:start", { id: `s${k}`, color: "#1971c2", width: 2, tool: "pen", points: penStroke(k) });
    await send("stroke:end", { id: `s${k}` });
  }
  await close();
}

/** Opens `url` in a fresh page: ms from navigation to synced and drawn, and WebSocket bytes received. */
async function open(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  let wsBytes = 0;
  cdp.on("Network.webSocketFrameReceived", (e) => {
    // Text frames as their UTF-8 text, binary ones base64 encoded.
    const data = e.response.payloadData;
    wsBytes += e.response.opcode === 2 ? Math.floor((data.length * 3) / 4) : Buffer.byteLength(data);
  });
  await page.goto(url, { waitUntil: "commit" });
  const synced = await page.waitForFunction(
    () => document.querySelector('[data-testid="status"][data-state="connected"]') && performance.now(),
    null,
    { polling: "raf", timeout: 300_000 },
  );
  const syncedMs = await synced.jsonValue();
  const drawnMs = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
  // A big board shows as a sketch first: until it is drawn in full.
  const full = await page.waitForFunction(() => !document.querySelector("canvas.sketch") && performance.now(), null, {
    polling: "raf",
    timeout: 300_000,
  });
  const fullMs = await full.jsonValue();
  // Where the time went: the page's HTML, and the wasm's download.
  const phases = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith(".wasm"));
    return { html: nav.responseEnd, htmlBytes: nav.transferSize, parsed: nav.domInteractive, wasm: wasm?.responseEnd ?? 0 };
  });
  return { page, syncedMs, drawnMs, fullMs, wsBytes, phases };
}

(async () => {
  const server = await startServer();
  let browser;
  try {
    const t = Date.now();
    const strokes = Math.ceil(points / 100);
    await Promise.all([0, 1, 2, 3].map((f) => fill(server.base, "big", f, 4, strokes)));
    console.log(`filled ${strokes * 100} points (${strokes} strokes) in ${Date.now() - t} ms`);

    browser = await launchChromium();
    for (const [label, board] of [["empty board", "empty"], [`${strokes * 100}-point board`, "big"]]) {
      const drawn = [];
      const synced = [];
      const full = [];
      let bytes = 0;
      let phases;
      for (let run = 0; run < RUNS; run++) {
        const r = await open(browser, `${server.base}/b/${board}`);
        drawn.push(r.drawnMs);
        synced.push(r.syncedMs);
        full.push(r.fullMs);
        bytes = r.wsBytes;
        phases = r.phases;
        await r.page.close();
      }
      console.log(`${label}: synced ${stats(synced)}; drawn and live ${stats(drawn)}; drawn in full ${stats(full)}; ${bytes} WebSocket bytes received`);
      const ms = (v) => `${v.toFixed(0)} ms`;
      console.log(
        `  last run: HTML (${phases.htmlBytes} bytes) in at ${ms(phases.html)}, parsed at ${ms(phases.parsed)}, wasm in at ${ms(phases.wasm)}`,
      );
    }

    // Drawing on the big board: frame intervals while the mouse draws.
    const { page } = await open(browser, `${server.base}/b/big`);
    await page.evaluate(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (now) => {
        window.__frames.push(now - last);
        last = now;
        if (window.__frames.length < 100000) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.mouse.move(300, 300);
    await page.evaluate(() => (window.__frames.length = 0));
    await page.mouse.down();
    for (let i = 0; i < 240; i++) {
      await page.mouse.move(300 + 400 * Math.sin(i / 30), 300 + 200 * Math.cos(i / 23));
    }
    await page.mouse.up();
    const frames = await page.evaluate(() => window.__frames.slice(1));
    const slow = frames.filter((f) => f > 1000 / 50).length;
    console.log(`drawing on it (240 pointer moves): frame interval ${stats(frames)}; ${slow} of ${frames.length} frames over 20 ms`);
  } finally {
    if (browser) await browser.close();
    server.stop();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
