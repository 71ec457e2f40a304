import { expect, test } from "@playwright/test";
import { along, drawPath, inkedCount, twoUsers } from "./board";

test("the eraser removes a whole stroke for both users", async ({ browser }) => {
  const { alice, bob } = await twoUsers(browser, "erase");
  const stroke: [number, number][] = [[150, 250], [500, 250]];
  const keep: [number, number][] = [[150, 420], [500, 420]];
  await drawPath(alice, stroke);
  await drawPath(alice, keep);
  await expect.poll(() => inkedCount(bob, along(stroke))).toBe(along(stroke).length);

  // Bob erases by crossing only one end of Alice's stroke.
  await bob.getByRole("button", { name: "Eraser" }).click();
  await drawPath(bob, [[480, 200], [480, 300]]);
  await expect.poll(() => inkedCount(bob, along(stroke))).toBe(0);
  await expect.poll(() => inkedCount(alice, along(stroke))).toBe(0);
  expect(await inkedCount(alice, along(keep))).toBe(along(keep).length);
  expect(await inkedCount(bob, along(keep))).toBe(along(keep).length);
});
