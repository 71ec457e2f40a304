// Links, roles and the owner's controls: a view link watches but draws
// nothing, the owner kicks someone, removes their drawing, locks drawing,
// and deletes the board. Each test makes its own board through /new.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { along, drawPath, inkedCount } from "./board";

/** A fresh browser (its own localStorage) on `url`, synced. */
async function visitor(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
  return page;
}

/** A new board made through /new, with the page of its owner. */
async function ownBoard(browser: Browser): Promise<{ board: string; owner: Page }> {
  const owner = await (await browser.newContext()).newPage();
  await owner.goto("/new");
  // The owner key travelled in the fragment; the client took it out of the address.
  await expect(owner).toHaveURL(/\/b\/[A-Za-z0-9]{20}$/);
  await expect(owner.getByTestId("status")).toHaveAttribute("data-state", "connected");
  const board = new URL(owner.url()).pathname.split("/").pop()!;
  return { board, owner };
}

async function openShare(page: Page) {
  await page.getByRole("button", { name: "Share" }).click();
  const dialog = page.getByRole("dialog", { name: "Share" });
  await expect(dialog).toBeVisible();
  return dialog;
}

/** The name `page` goes by. */
async function nameOf(page: Page): Promise<string> {
  await expect(page.locator(".me-name")).not.toHaveText("");
  return (await page.locator(".me-name").textContent())!.trim();
}

async function strokesOf(page: Page, board: string): Promise<unknown[]> {
  const response = await page.request.get(`/api/boards/${board}`);
  expect(response.ok()).toBe(true);
  return (await response.json()).strokes;
}

const ownerPath: [number, number][] = [[150, 200], [450, 220]];
const otherPath: [number, number][] = [[150, 420], [450, 400]];

test("a view link watches the owner's ink live and draws nothing", async ({ browser }) => {
  const { board, owner } = await ownBoard(browser);
  expect(await owner.evaluate((b) => localStorage.getItem(`scrawl.key.${b}`), board)).toMatch(/^[0-9a-f]+$/);

  const dialog = await openShare(owner);
  const viewLink = await dialog.getByLabel("View link", { exact: true }).inputValue();
  const editLink = await dialog.getByLabel("Edit link", { exact: true }).inputValue();
  const ownerLink = await dialog.getByLabel("Owner link", { exact: true }).inputValue();
  for (const link of [viewLink, editLink, ownerLink]) {
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/b/${board}#k=[0-9a-f]{32}$`));
  }
  expect(new Set([viewLink, editLink, ownerLink]).size).toBe(3);
  await expect(dialog.getByRole("button", { name: "Copy owner link" })).toBeVisible();
  await expect(dialog.getByText("controls this board")).toBeVisible();
  await owner.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  const viewer = await visitor(browser, viewLink);
  await expect(viewer).toHaveURL(new RegExp(`/b/${board}$`));
  await expect(viewer.getByText("View only", { exact: true })).toBeVisible();
  await expect(viewer.getByRole("button", { name: "Pen" })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Undo" })).toHaveCount(0);
  // A viewer shares the plain address with its own key: a view link again.
  const viewerDialog = await openShare(viewer);
  await expect(viewerDialog.getByLabel("Link", { exact: true })).toHaveValue(viewLink);
  await expect(viewerDialog.getByRole("combobox", { name: "Mode" })).toHaveCount(0);
  await viewerDialog.getByRole("button", { name: "Close" }).click();
  await expect(viewerDialog).toBeHidden();

  await drawPath(owner, ownerPath);
  await expect.poll(() => inkedCount(viewer, along(ownerPath))).toBe(along(ownerPath).length);

  await drawPath(viewer, otherPath);
  await viewer.waitForTimeout(1000);
  expect(await inkedCount(viewer, along(otherPath))).toBe(0);
  expect(await inkedCount(owner, along(otherPath))).toBe(0);
  expect(await strokesOf(owner, board)).toHaveLength(1);
  await expect(viewer.getByTestId("status")).toHaveText("Connected");
});

test("the owner kicks an editor, who stays out after a reload", async ({ browser }) => {
  const { board, owner } = await ownBoard(browser);
  const editor = await visitor(browser, `/b/${board}`);
  await expect(editor.getByText("View only", { exact: true })).toHaveCount(0);
  const name = await nameOf(editor);
  await expect(owner.getByTestId("user-count")).toHaveText("2 online");
  await owner.getByTestId("user-count").click();
  // Only the others can be kicked.
  await expect(owner.getByRole("button", { name: /^Kick / })).toHaveCount(1);
  await owner.getByRole("button", { name: `Kick ${name}`, exact: true }).click();

  const status = editor.getByTestId("status");
  await expect(status).toContainText("removed you");
  await expect(status).toHaveAttribute("data-state", "refused");
  await expect(owner.getByTestId("user-count")).toHaveText("1 online");
  await editor.reload();
  await expect(status).toContainText("removed you");
  await expect(status).toHaveAttribute("data-state", "refused");
  // It does not try again and again.
  await editor.waitForTimeout(2000);
  await expect(status).toHaveAttribute("data-state", "refused");
});

test("the owner removes someone's drawing, and can undo that", async ({ browser }) => {
  const { board, owner } = await ownBoard(browser);
  const editor = await visitor(browser, `/b/${board}`);
  const name = await nameOf(editor);
  await drawPath(owner, ownerPath);
  await drawPath(editor, otherPath);
  await expect.poll(() => inkedCount(owner, along(otherPath))).toBe(along(otherPath).length);

  await owner.getByTestId("user-count").click();
  await owner.getByRole("button", { name: `Remove drawing of ${name}`, exact: true }).click();
  await expect.poll(() => inkedCount(owner, along(otherPath))).toBe(0);
  await expect.poll(() => inkedCount(editor, along(otherPath))).toBe(0);
  expect(await inkedCount(owner, along(ownerPath))).toBe(along(ownerPath).length);
  await expect.poll(() => strokesOf(owner, board)).toHaveLength(1);

  await owner.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => inkedCount(editor, along(otherPath))).toBe(along(otherPath).length);
  await expect.poll(() => strokesOf(owner, board)).toHaveLength(2);
});

test("the owner locks drawing: editors watch until it is unlocked", async ({ browser }) => {
  const { board, owner } = await ownBoard(browser);
  const editor = await visitor(browser, `/b/${board}`);
  const dialog = await openShare(owner);
  const lock = dialog.getByRole("checkbox", { name: "Lock drawing" });
  await lock.check();
  await expect(editor.getByText("View only", { exact: true })).toBeVisible();
  await expect(editor.getByRole("button", { name: "Pen" })).toHaveCount(0);
  await drawPath(editor, otherPath);
  await editor.waitForTimeout(500);
  expect(await inkedCount(editor, along(otherPath))).toBe(0);
  expect(await strokesOf(owner, board)).toHaveLength(0);

  await lock.uncheck();
  await expect(editor.getByText("View only", { exact: true })).toHaveCount(0);
  await drawPath(editor, otherPath);
  await expect.poll(() => inkedCount(owner, along(otherPath))).toBe(along(otherPath).length);

  // Protected: a newcomer with the plain address only watches.
  await dialog.getByRole("combobox", { name: "Mode" }).selectOption("protected");
  await expect(dialog.getByRole("combobox", { name: "Mode" })).toHaveValue("protected");
  const newcomer = await visitor(browser, `/b/${board}`);
  await expect(newcomer.getByText("View only", { exact: true })).toBeVisible();
});

test("the owner deletes the board; the others are told", async ({ browser }) => {
  const { board, owner } = await ownBoard(browser);
  const other = await visitor(browser, `/b/${board}`);
  await drawPath(owner, ownerPath);
  await expect.poll(() => strokesOf(owner, board)).toHaveLength(1);

  const asked: string[] = [];
  owner.on("dialog", (d) => {
    asked.push(d.message());
    void d.accept();
  });
  const dialog = await openShare(owner);
  await dialog.getByRole("button", { name: "Delete board" }).click();
  expect(asked).toEqual(["Delete this board and everything on it? This cannot be undone."]);

  await expect(other.getByTestId("status")).toHaveText("This board was deleted.");
  await expect(owner.getByTestId("status")).toHaveText("This board was deleted.");
  await expect(dialog).toBeHidden();
  expect(await owner.evaluate((b) => localStorage.getItem(`scrawl.key.${b}`), board)).toBeNull();
  // Nobody reconnects (which would open the board again).
  await other.waitForTimeout(1500);
  await expect(other.getByTestId("status")).toHaveText("This board was deleted.");
  expect(await strokesOf(other, board)).toEqual([]);
});

test("the Share dialog works at 360 px, by keyboard", async ({ browser }) => {
  const { owner } = await ownBoard(browser);
  await owner.setViewportSize({ width: 360, height: 740 });
  const share = owner.getByRole("button", { name: "Share" });
  await expect(share).toBeInViewport();
  await share.focus();
  await owner.keyboard.press("Enter");
  const dialog = owner.getByRole("dialog", { name: "Share" });
  await expect(dialog).toBeVisible();
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(360);
  for (const name of ["Copy view link", "Copy edit link", "Copy owner link", "Reset links", "Delete board"]) {
    await expect(dialog.getByRole("button", { name })).toBeVisible();
  }
  await expect(dialog.getByRole("combobox", { name: "Mode" })).toHaveValue("open");
  // Focus stays in the dialog; Escape closes it and gives focus back.
  await owner.keyboard.press("Tab");
  expect(await owner.evaluate(() => !!document.activeElement?.closest("dialog"))).toBe(true);
  await owner.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(share).toBeFocused();
});
