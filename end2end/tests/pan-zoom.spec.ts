import { expect, test } from "@playwright/test";
import { along, drawPath, inkedCount, toBoard, toScreen, viewport, twoUsers, snapshot } from "./board";

test("strokes stay aligned between users at different pan and zoom", async ({ browser }, testInfo) => {
  const { alice, bob } = await twoUsers(browser, "zoom");

  // Bob zooms in around a point with the wheel, then pans with space + drag.
  await bob.mouse.move(300, 300);
  await bob.mouse.wheel(0, -400);
  await expect.poll(async () => (await viewport(bob)).zoom).toBeGreaterThan(1.5);
  await bob.keyboard.down(" ");
  await drawPath(bob, [[400, 400], [340, 360]]);
  await bob.keyboard.up(" ");
  const v = await viewport(bob);
  expect(v.ox).not.toBe(0);
  await expect(bob.getByTestId("zoom")).toHaveText(`${Math.round(v.zoom * 100)}%`);

  // Alice draws at zoom 1: Bob sees it where his viewport puts those board points.
  const alicePath: [number, number][] = [[200, 250], [320, 290]];
  await drawPath(alice, alicePath);
  const onBob = await toScreen(bob, along(alicePath));
  await expect.poll(() => inkedCount(bob, onBob)).toBe(onBob.length);

  // Bob draws zoomed in: Alice sees it at the same board coordinates.
  const bobPath: [number, number][] = [[250, 450], [450, 500]];
  await drawPath(bob, bobPath);
  const onAlice = await toBoard(bob, along(bobPath));
  await expect.poll(() => inkedCount(alice, onAlice)).toBe(onAlice.length);
  await snapshot(bob, testInfo, "bob-zoomed");

  // Negative board coordinates work: Alice pans right and draws left of the origin.
  await alice.mouse.move(100, 100);
  await alice.mouse.down({ button: "middle" });
  await alice.mouse.move(400, 100, { steps: 5 });
  await alice.mouse.up({ button: "middle" });
  const left: [number, number][] = [[100, 400], [250, 400]];
  await drawPath(alice, left);
  const board1 = await toBoard(alice, left);
  expect(board1[0][0]).toBeLessThan(0);
  // Bob pans (middle button) until that part of the board is on his screen.
  await bob.mouse.move(100, 300);
  await bob.mouse.down({ button: "middle" });
  await bob.mouse.move(900, 300, { steps: 8 });
  await bob.mouse.up({ button: "middle" });
  const onBob2 = await toScreen(bob, await toBoard(alice, along(left)));
  const visible = onBob2.filter(([x, y]) => x > 0 && y > 0 && x < 1280 && y < 720);
  expect(visible.length).toBeGreaterThan(0);
  await expect.poll(() => inkedCount(bob, visible)).toBe(visible.length);
});
