import { expect, test } from "@playwright/test";
import { along, drawPath, hex, inkAt, inkedCount, openBoard, uniqueBoard, twoUsers, snapshot } from "./board";

const path: [number, number][] = [
  [120, 200],
  [320, 260],
  [460, 160],
  [600, 320],
];

test("a stroke drawn on one page appears on the other pages of the board", async ({ browser }, testInfo) => {
  const { board, alice, bob } = await twoUsers(browser, "collab");
  await expect(alice.getByTestId("user-count")).toHaveText("2 online");

  const samples = along(path);
  expect(await inkedCount(bob, samples)).toBe(0);
  await drawPath(alice, path);

  // Ink along the whole path on the peer's canvas, in the author's colour.
  await expect.poll(() => inkedCount(bob, samples)).toBe(samples.length);
  const aliceColor = await alice.getByTestId("my-color").getAttribute("data-color");
  const bobColor = await bob.getByTestId("my-color").getAttribute("data-color");
  expect(aliceColor).toMatch(/^#[0-9a-f]{6}$/);
  expect(bobColor).not.toBe(aliceColor);
  const [mid] = await inkAt(bob, [[320, 260]]);
  expect(hex(mid)).toBe(aliceColor);
  // Far from the path the canvas stays empty.
  expect(await inkedCount(bob, [[700, 80], [60, 500]])).toBe(0);

  // A page opened later gets the drawing from the server.
  const carol = await browser.newPage();
  await openBoard(carol, board);
  await expect.poll(() => inkedCount(carol, samples)).toBe(samples.length);
  await snapshot(carol, testInfo, "late-joiner");

  // Another board sees nothing.
  const other = await browser.newPage();
  await openBoard(other, uniqueBoard("other"));
  expect(await inkedCount(other, samples)).toBe(0);
});

test("the home page creates a board with an unguessable name", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("new-board").click();
  await expect(page).toHaveURL(/\/b\/[A-Za-z0-9]{20}$/);
  await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await expect(page.getByTestId("user-count")).toHaveText("1 online");
});

test("the home page opens a board by name", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Open a board by name").fill("Team Retro");
  await page.getByRole("button", { name: "Open" }).click();
  await expect(page).toHaveURL(/\/b\/Team-Retro$/);
  await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
});
