// Benchmark: scrubbing a big board's history in the browser. Builds a board
// of N points (default 1,000,000) drawn as people draw (strokes of 100
// points streamed in batches of 4, every tenth erased), opens it in
// Chromium, opens the History panel, then times slider steps: from the
// `input` event to the frame after the canvas shows that moment
// (performance.now()). Prints figures only; nothing is asserted.
//
//   node end2end/bench/scrub.js [points]     (starts target/release/scrawl itself)
const { startServer, filler, launchChromium, stats } = require("./server");

let base;

const points = Number(process.argv[2] ?? 1_000_000);

/** One filler: strokes k ≡ f (mod fillers), 64 acks kept in flight. */
async function fill(board, f, fillers, strokes) {
  const { send, close } = await filler(base, board, `scrub${f}`, 64);
  for (let k = f; k < strokes; k += fillers) {
    const id = `s${k}`;
    const pt = (i) => [((i * 7) % 1200) + (k % 97), ((k * 13) % 800) + (i % 40)];
    const batch = (b) => [0, 1, 2, 3].flatMap((j) => pt(b * 4 + j));
    await send("stroke:start", { id, color: "#1971c2", width: 2, tool: "pen", points: batch(0) });
    for (let b = 1; b < 25; b++) await send("stroke:points", { id, n: b, points: batch(b) });
    await send("stroke:end", { id });
    if (k % 10 === 9) await send("erase", { ids: [id] });
  }
  await close();
}


(async () => {
  const server = await startServer();
  base = server.base;
  let browser;
  try {
    const t = Date.now();
    const strokes = Math.ceil(points / 100);
    await Promise.all([0, 1, 2, 3].map((f) => fill("big", f, 4, strokes)));
    console.log(`filled ${points} points (${strokes} strokes, ~${strokes * 26 + strokes / 10} changes) in ${Date.now() - t} ms`);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/b/big`);
    await page.getByTestId("status").and(page.locator('[data-state="connected"]')).waitFor({ timeout: 120_000 });
    const opened = Date.now();
    await page.getByRole("button", { name: "History", exact: true }).click();
    await page.getByTestId("history-position").filter({ hasText: "Change" }).waitFor({ timeout: 300_000 });
    console.log(`History panel ready (download, parse, timeline, first frame) in ${Date.now() - opened} ms`);

    const steps = await page.evaluate(async () => {
      const slider = document.querySelector('[data-testid="history-slider"]');
      const [min, max] = [Number(slider.min), Number(slider.max)];
      const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const handled = [];
      const step = async (value) => {
        const t = performance.now();
        slider.value = String(value);
        slider.dispatchEvent(new Event("input", { bubbles: true }));
        handled.push(performance.now() - t);
        await frame();
        return performance.now() - t;
      };
      let seed = 12345;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const jumps = [];
      const drags = [];
      let at = Math.floor(min + (max - min) / 2);
      for (let i = 0; i < 20; i++) jumps.push(await step(Math.floor(min + random() * (max - min))));
      for (let i = 0; i < 20; i++) drags.push(await step((at = Math.min(max, at + 500))));
      // What a frame costs with no history step, for comparison.
      const idle = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await frame();
        idle.push(performance.now() - t);
      }
      return { jumps, drags, idle, handled };
    });
    console.log(`scrub jumps (random moments): ${stats(steps.jumps)}`);
    console.log(`scrub drags (500 changes on): ${stats(steps.drags)}`);
    console.log(`of which the step itself (replay and canvas calls, in the input handler): ${stats(steps.handled)}`);
    console.log(`two idle frames, for reference: ${stats(steps.idle)}`);
  } finally {
    if (browser) await browser.close();
    server.stop();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
