import { expect, test } from "@playwright/test";
import { io } from "socket.io-client";
import { along, drawPath, inkedCount, openBoard, uniqueBoard, snapshot } from "./board";

test("a late joiner sees the whole history, in the same place", async ({ browser }, testInfo) => {
  const board = uniqueBoard("late");
  const alice = await browser.newPage();
  await openBoard(alice, board);
  const strokes: [number, number][][] = [
    [[120, 200], [300, 260], [420, 180]],
    [[150, 400], [500, 420]],
  ];
  for (const s of strokes) await drawPath(alice, s);
  await expect(alice.getByTestId("status")).toHaveText("Connected");
  await alice.close();

  const carol = await browser.newPage();
  await openBoard(carol, board);
  for (const s of strokes) {
    await expect.poll(() => inkedCount(carol, along(s))).toBe(along(s).length);
  }
  await snapshot(carol, testInfo, "late-joiner");
});

test("a big board shows as a sketch first, then in full exactly as a whole redraw draws it", async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  const board = uniqueBoard("big");
  // 300 pen strokes of 100 points: past the 20,000 points drawn in full as they arrive.
  const filler = io(baseURL!, { auth: { board, client: "filler" }, transports: ["websocket"], reconnection: false });
  await new Promise((r) => filler.once("synced", r));
  // Paced under the per-client stroke rate (200 events/s).
  for (let k = 0; k < 300; k += 10) {
    const pause = new Promise((r) => setTimeout(r, 110));
    for (let i = k; i < k + 10; i++) {
      const points = Array.from({ length: 100 }, (_, j) => [40 + ((i * 7) % 700) + j * 3, 60 + ((i * 11) % 500) + Math.sin(j / 9) * 30]).flat();
      const color = i % 2 ? "#1971c2" : "#e03131";
      expect(await filler.emitWithAck("stroke:start", { id: `s${i}`, color, width: 3, tool: "pen", points })).toMatchObject({ ok: true });
      expect(await filler.emitWithAck("stroke:end", { id: `s${i}` })).toMatchObject({ ok: true });
    }
    await pause;
  }
  filler.disconnect();

  await page.addInitScript(() => {
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if ((n as Element).classList?.contains("sketch")) (window as any).sketched = true;
    }).observe(document, { childList: true, subtree: true });
  });
  await page.setViewportSize({ width: 1000, height: 700 });
  await openBoard(page, board);
  await expect(page.locator("canvas.sketch")).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).sketched)).toBe(true);
  const pixels = () =>
    page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="board-canvas"]')!;
      const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let [inked, hash] = [0, 0];
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]) inked++;
        hash = (hash * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2] + 17 * data[i + 3]) >>> 0;
      }
      return { inked, hash };
    });
  const refined = await pixels();
  expect(refined.inked).toBeGreaterThan(20_000);
  // A resize there and back draws the whole board again, in full.
  await page.setViewportSize({ width: 900, height: 700 });
  await page.setViewportSize({ width: 1000, height: 700 });
  await expect.poll(pixels).toEqual(refined);
});
