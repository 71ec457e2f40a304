import { expect, test } from "@playwright/test";
import { along, drawPath, inkedCount, twoUsers } from "./board";

test("undo and redo reach every user; each undoes only their own strokes", async ({ browser }) => {
  const { alice, bob } = await twoUsers(browser, "undo");
  const first: [number, number][] = [[150, 200], [450, 200]];
  const second: [number, number][] = [[150, 300], [450, 300]];
  const bobs: [number, number][] = [[150, 420], [450, 420]];
  await drawPath(alice, first);
  await drawPath(alice, second);
  await drawPath(bob, bobs);
  await expect.poll(() => inkedCount(bob, along(second))).toBe(along(second).length);
  await expect.poll(() => inkedCount(alice, along(bobs))).toBe(along(bobs).length);

  // Alice's undo (button) takes her latest stroke, for both of them; Bob's stays.
  await alice.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => inkedCount(bob, along(second))).toBe(0);
  await expect.poll(() => inkedCount(alice, along(second))).toBe(0);
  expect(await inkedCount(bob, along(first))).toBe(along(first).length);
  expect(await inkedCount(alice, along(bobs))).toBe(along(bobs).length);

  // Redo with the keyboard brings it back everywhere.
  await alice.keyboard.press("Control+Shift+Z");
  await expect.poll(() => inkedCount(bob, along(second))).toBe(along(second).length);
  await expect.poll(() => inkedCount(alice, along(second))).toBe(along(second).length);

  // Bob's Ctrl+Z removes Bob's stroke only.
  await bob.keyboard.press("Control+z");
  await expect.poll(() => inkedCount(alice, along(bobs))).toBe(0);
  expect(await inkedCount(alice, along(second))).toBe(along(second).length);
});

test("clear asks first, empties the board for everyone and can be undone", async ({ browser }) => {
  const { alice, bob } = await twoUsers(browser, "clear");
  const line: [number, number][] = [[200, 250], [500, 250]];
  await drawPath(bob, line);
  await expect.poll(() => inkedCount(alice, along(line))).toBe(along(line).length);

  alice.once("dialog", (d) => d.dismiss());
  await alice.getByRole("button", { name: "Clear board" }).click();
  expect(await inkedCount(alice, along(line))).toBe(along(line).length);

  alice.once("dialog", (d) => d.accept());
  await alice.getByRole("button", { name: "Clear board" }).click();
  await expect.poll(() => inkedCount(bob, along(line))).toBe(0);
  expect(await inkedCount(alice, along(line))).toBe(0);

  await alice.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => inkedCount(bob, along(line))).toBe(along(line).length);
  await expect.poll(() => inkedCount(alice, along(line))).toBe(along(line).length);
});
