import { expect, test } from "@playwright/test";
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
