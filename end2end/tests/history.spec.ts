import * as fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { along, drawPath, inkedCount, twoUsers } from "./board";

const first: [number, number][] = [[150, 300], [450, 300]];
const second: [number, number][] = [[150, 450], [450, 450]];

async function boardSeq(page: Page, board: string): Promise<number> {
  return (await (await page.request.get(`/api/boards/${board}`)).json()).seq;
}

/** Opens the History panel and waits for the timeline. */
async function openHistory(page: Page) {
  await page.getByRole("button", { name: "History", exact: true }).click();
  const panel = page.getByRole("region", { name: "History" });
  await expect(panel.getByTestId("history-position")).toContainText("Change");
  return panel;
}

/** Draws `first`, then erases it with the eraser; returns the seq just before the erase. */
async function drawThenErase(page: Page, board: string): Promise<number> {
  await drawPath(page, first);
  await expect.poll(() => boardSeq(page, board)).toBeGreaterThan(2);
  await expect(page.getByTestId("status")).not.toContainText("waiting");
  const before = await boardSeq(page, board);
  await page.getByRole("button", { name: "Eraser" }).click();
  await drawPath(page, [[300, 250], [300, 350]]);
  await expect.poll(() => inkedCount(page, along(first))).toBe(0);
  await expect.poll(() => boardSeq(page, board)).toBe(before + 1);
  await page.getByRole("button", { name: "Pen" }).click();
  return before;
}

test("scrubbing back before an erase shows the erased stroke, read-only, while others draw live", async ({ browser }) => {
  const { board, alice, bob } = await twoUsers(browser, "scrub");
  const before = await drawThenErase(alice, board);
  const panel = await openHistory(alice);
  const slider = panel.getByRole("slider", { name: "Moment in the board's history" });
  await expect(slider).toHaveValue(String(before + 1));

  await slider.fill(String(before));
  await expect(panel.getByTestId("history-position")).toContainText(`Change ${before} of ${before + 1}`);
  await expect.poll(() => inkedCount(alice, along(first))).toBe(along(first).length);

  // Bob draws meanwhile: Alice's preview stays as it was; her live board has it.
  await drawPath(bob, second);
  await expect.poll(() => boardSeq(bob, board)).toBeGreaterThan(before + 2);
  expect(await inkedCount(alice, along(second))).toBe(0);
  // The preview is read-only: drawing on it changes nothing.
  const seq = await boardSeq(alice, board);
  await drawPath(alice, [[200, 550], [400, 550]]);
  await alice.waitForTimeout(300);
  expect(await boardSeq(alice, board)).toBe(seq);

  await panel.getByRole("button", { name: "Back to the live board" }).click();
  await expect.poll(() => inkedCount(alice, along(second))).toBe(along(second).length);
  expect(await inkedCount(alice, along(first))).toBe(0);
});

test("restoring a version reaches the others, and one undo takes it back", async ({ browser }) => {
  const { board, alice, bob } = await twoUsers(browser, "restore");
  const before = await drawThenErase(alice, board);
  await expect.poll(() => inkedCount(bob, along(first))).toBe(0);

  const panel = await openHistory(alice);
  await panel.getByRole("slider", { name: "Moment in the board's history" }).fill(String(before));
  await panel.getByRole("button", { name: "Restore this version" }).click();
  await expect(panel).toBeHidden();
  await expect.poll(() => inkedCount(bob, along(first))).toBe(along(first).length);
  await expect.poll(() => inkedCount(alice, along(first))).toBe(along(first).length);

  await alice.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => inkedCount(bob, along(first))).toBe(0);
  await expect.poll(() => inkedCount(alice, along(first))).toBe(0);
  const strokes = (await (await alice.request.get(`/api/boards/${board}`)).json()).strokes;
  expect(strokes).toEqual([]);
});

test("the timelapse downloads as a WebM video", async ({ browser }) => {
  const { board, alice } = await twoUsers(browser, "timelapse");
  await drawPath(alice, first);
  await drawPath(alice, second);
  await expect.poll(() => boardSeq(alice, board)).toBeGreaterThan(4);
  const panel = await openHistory(alice);
  const downloading = alice.waitForEvent("download", { timeout: 60_000 });
  await panel.getByRole("button", { name: "Download timelapse" }).click();
  await expect(panel.getByTestId("history-progress")).toBeVisible();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`${board}-timelapse.webm`);
  const file = fs.readFileSync((await download.path())!);
  expect(file.length).toBeGreaterThan(1000);
  // Every WebM file starts with the EBML magic number.
  expect([...file.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
  await expect(panel.getByTestId("history-progress")).toBeHidden();
});

test("a past version has a page of its own that needs no JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const { board, alice } = await twoUsers(browser, "past-page");
  const before = await drawThenErase(alice, board);
  const page = await context.newPage();
  await page.goto(`/b/${board}?at=${before}`);
  await expect(page.getByRole("heading")).toContainText(`as it was at change ${before}`);
  await expect(page.locator("svg path")).toHaveCount(1);
  await page.getByRole("link", { name: "Open the live board" }).click();
  await expect(page).toHaveURL(new RegExp(`/b/${board}$`));
  await context.close();
});
