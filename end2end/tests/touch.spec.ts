import { expect, test, type Page } from "@playwright/test";
import { along, inkedCount, openBoard, uniqueBoard, viewport } from "./board";

type Point = { x: number; y: number; id: number };

async function touch(page: Page, type: "touchStart" | "touchMove" | "touchEnd", points: Point[]) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
  await cdp.detach();
}

test.use({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 740 } });

test("one finger draws, two fingers pinch-zoom without drawing", async ({ browser, page }, testInfo) => {
  const board = uniqueBoard("touch");
  await openBoard(page, board);
  const peer = await browser.newPage();
  await openBoard(peer, board);

  const path: [number, number][] = [[60, 200], [300, 260]];
  await touch(page, "touchStart", [{ x: 60, y: 200, id: 1 }]);
  for (let i = 1; i <= 12; i++) {
    await touch(page, "touchMove", [{ x: 60 + 20 * i, y: 200 + 5 * i, id: 1 }]);
  }
  await touch(page, "touchEnd", []);
  await expect.poll(() => inkedCount(peer, along(path))).toBe(along(path).length);

  // Two fingers spreading apart zoom in.
  await touch(page, "touchStart", [{ x: 150, y: 450, id: 1 }, { x: 250, y: 450, id: 2 }]);
  for (let i = 1; i <= 8; i++) {
    await touch(page, "touchMove", [{ x: 150 - 8 * i, y: 450, id: 1 }, { x: 250 + 8 * i, y: 450, id: 2 }]);
  }
  await touch(page, "touchEnd", []);
  expect((await viewport(page)).zoom).toBeGreaterThan(1.3);
  // The pinch drew nothing for the peer.
  expect(await inkedCount(peer, along([[100, 450], [300, 450]]))).toBe(0);
  await testInfo.attach("phone", { body: await page.screenshot(), contentType: "image/png" });
});
