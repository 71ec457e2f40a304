import { expect, test } from "@playwright/test";
import { drawPath, openBoard, uniqueBoard, snapshot } from "./board";

test("with JavaScript disabled the board still shows its drawing", async ({ browser }, testInfo) => {
  const board = uniqueBoard("nojs");
  const alice = await browser.newPage();
  await openBoard(alice, board);
  const color = await alice.getByTestId("my-color").getAttribute("data-color");
  await drawPath(alice, [[200, 220], [400, 300], [600, 240]]);
  await expect(alice.getByTestId("status")).toHaveText("Connected");

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/b/${board}`);
  const path = page.locator("svg.first-paint path");
  await expect(path).toHaveCount(1);
  await expect(path).toHaveAttribute("stroke", color!);
  const box = (await path.boundingBox())!;
  expect(box.x).toBeGreaterThan(190);
  expect(box.x).toBeLessThan(210);
  expect(box.x + box.width).toBeGreaterThan(590);
  expect(box.y + box.height).toBeGreaterThan(290);
  await snapshot(page, testInfo, "no-javascript");
  await context.close();
});
