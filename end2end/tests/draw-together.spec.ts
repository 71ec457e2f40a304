import { expect, test } from "@playwright/test";
import { along, drawPath, hex, inkAt, inkedCount, twoUsers, snapshot } from "./board";

test("two users draw; each sees the other's ink in the other's colour", async ({ browser }, testInfo) => {
  const { alice, bob } = await twoUsers(browser, "together");
  const aliceColor = await alice.getByTestId("my-color").getAttribute("data-color");
  const bobColor = await bob.getByTestId("my-color").getAttribute("data-color");
  expect(aliceColor).not.toBe(bobColor);

  const a: [number, number][] = [[150, 200], [450, 220]];
  const b: [number, number][] = [[150, 400], [450, 380]];
  await drawPath(alice, a);
  await drawPath(bob, b);
  await expect.poll(() => inkedCount(bob, along(a))).toBe(along(a).length);
  await expect.poll(() => inkedCount(alice, along(b))).toBe(along(b).length);
  expect(hex((await inkAt(bob, [[300, 210]]))[0])).toBe(aliceColor);
  expect(hex((await inkAt(alice, [[300, 390]]))[0])).toBe(bobColor);
  await snapshot(alice, testInfo, "alice");
});
