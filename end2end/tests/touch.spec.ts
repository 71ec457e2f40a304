import { expect, test, type Page } from "@playwright/test";
import { along, inkedCount, openBoard, toBoard, toScreen, uniqueBoard, viewport, snapshot } from "./board";

type Point = { x: number; y: number; id: number };

/** Sends raw touch events through one DevTools session (a touch sequence must stay in one). */
async function touchscreen(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  return (type: "touchStart" | "touchMove" | "touchEnd", points: Point[]) =>
    cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
}

test.use({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 740 } });

test("one finger draws, two fingers pinch-zoom without drawing", async ({ browser, page }, testInfo) => {
  const board = uniqueBoard("touch");
  await openBoard(page, board);
  const peer = await browser.newPage();
  await openBoard(peer, board);

  const touch = await touchscreen(page);
  const path: [number, number][] = [[60, 200], [300, 260]];
  await touch("touchStart", [{ x: 60, y: 200, id: 1 }]);
  for (let i = 1; i <= 12; i++) {
    await touch("touchMove", [{ x: 60 + 20 * i, y: 200 + 5 * i, id: 1 }]);
  }
  await touch("touchEnd", []);
  await expect.poll(() => inkedCount(peer, along(path))).toBe(along(path).length);

  // Two fingers spreading apart zoom in.
  await touch("touchStart", [{ x: 150, y: 450, id: 1 }, { x: 250, y: 450, id: 2 }]);
  for (let i = 1; i <= 8; i++) {
    await touch("touchMove", [{ x: 150 - 8 * i, y: 450, id: 1 }, { x: 250 + 8 * i, y: 450, id: 2 }]);
  }
  await touch("touchEnd", []);
  expect((await viewport(page)).zoom).toBeGreaterThan(1.3);

  // A later one-finger stroke is the known event to wait for: strokes are
  // relayed in order, so once the peer shows it, a stroke from the pinch
  // would have arrived before it.
  // Above the toolbar, which wraps onto rows at the bottom of a phone.
  const marker: [number, number][] = [[80, 560], [200, 560]];
  await touch("touchStart", [{ x: 80, y: 560, id: 1 }]);
  for (let i = 1; i <= 6; i++) {
    await touch("touchMove", [{ x: 80 + 20 * i, y: 560, id: 1 }]);
  }
  await touch("touchEnd", []);
  const onPeer = await toScreen(peer, await toBoard(page, marker));
  await expect.poll(() => inkedCount(peer, along(onPeer))).toBeGreaterThan(along(onPeer).length / 2);

  // The pinch drew nothing, for the peer, locally, or on the server.
  expect(await inkedCount(peer, along([[60, 450], [340, 450]]))).toBe(0);
  expect(await inkedCount(page, along([[60, 450], [340, 450]]))).toBe(0);
  const saved = await (await page.request.get(`/api/boards/${board}`)).json();
  expect(saved.strokes.length).toBe(2);
  await snapshot(page, testInfo, "phone");
});
