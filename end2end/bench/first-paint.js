// Benchmark: how much a large board slows the server-rendered board page.
// Builds a board of 100,000 points with the official socket.io-client, then
// times GET /b/{board} against an empty board and prints the ratio.
//
//   node end2end/bench/first-paint.js            (starts target/release/scrawl itself)
const { io } = require("socket.io-client");
const { startServer } = require("./server");

let base;


/** Sends an event and fails on a refusal: a short board would skew the figures. */
async function must(socket, event, data) {
  const ack = await socket.emitWithAck(event, data);
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error}`);
}

async function fill(board, totalPoints, pointsPerStroke, batch) {
  const s = io(base, { auth: { board, client: "bench" }, transports: ["websocket"], reconnection: false });
  await new Promise((r) => s.once("synced", r));
  let made = 0;
  for (let k = 0; made < totalPoints; k++) {
    const id = `s${k}`;
    const pts = (i) => [((i * 7) % 1200) + Math.sin(i / 9) * 30, (k * 13) % 800 + Math.cos(i / 7) * 40];
    await must(s, "stroke:start", { id, color: "#1971c2", width: 3, tool: "pen", points: pts(0) });
    let n = 1;
    for (let i = 1; i < pointsPerStroke; i += batch) {
      const points = [];
      for (let j = i; j < Math.min(i + batch, pointsPerStroke); j++) points.push(...pts(j));
      await must(s, "stroke:points", { id, n: n++, points });
    }
    await must(s, "stroke:end", { id });
    made += pointsPerStroke;
  }
  s.disconnect();
}

async function timeGet(url, runs) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const body = await (await fetch(url)).text();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    bytes = body.length;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], bytes };
}

(async () => {
  const server = await startServer();
  base = server.base;
  try {
    const t = Date.now();
    await fill("big", 100_000, 1000, 500);
    console.log(`filled 100000 points in ${Date.now() - t} ms`);
    const runs = 15;
    const empty = await timeGet(`${base}/b/empty`, runs);
    const big = await timeGet(`${base}/b/big`, runs);
    const api = await timeGet(`${base}/api/boards/big`, runs);
    console.log(`GET /b/empty           median ${empty.median.toFixed(1)} ms, ${empty.bytes} bytes`);
    console.log(`GET /b/big (100k pts)  median ${big.median.toFixed(1)} ms, ${big.bytes} bytes`);
    console.log(`GET /api/boards/big    median ${api.median.toFixed(1)} ms, ${api.bytes} bytes`);
    console.log(`ratio big/empty page time: ${(big.median / empty.median).toFixed(1)}x`);
  } finally {
    server.stop();
  }
})();
