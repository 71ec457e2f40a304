// Editing what is on the board, by two people: text typed live, moves and
// their undo, marquee delete, copy and paste between boards, notes in the
// no-JavaScript page and the SVG export, and a toolbar that fits a phone.
import { expect, test, type Page } from "@playwright/test";
import * as fs from "node:fs";
import { drawPath, inkedCount, openBoard, snapshot, twoUsers, uniqueBoard } from "./board";

type Stroke = { id: string; tool: string; text?: string; transform?: { sx: number; sy: number; dx: number; dy: number } };

async function objects(page: Page, board: string): Promise<Stroke[]> {
  const response = await page.request.get(`/api/boards/${board}`);
  expect(response.ok()).toBeTruthy();
  return (await response.json()).strokes;
}

function box(x0: number, y0: number, x1: number, y1: number, step = 4): [number, number][] {
  const out: [number, number][] = [];
  for (let x = x0; x <= x1; x += step) for (let y = y0; y <= y1; y += step) out.push([x, y]);
  return out;
}

test("a text is seen while it is typed, and after a reload", async ({ browser }) => {
  const { board, alice, bob } = await twoUsers(browser, "text");
  await alice.getByRole("button", { name: "Text", exact: true }).click();
  await alice.mouse.click(300, 300);
  const editor = alice.getByTestId("text-editor");
  await expect(editor).toBeFocused();
  await alice.keyboard.type("Hello", { delay: 30 });
  // Still typing: Bob already sees ink where the text is.
  const area = box(300, 300, 360, 320);
  await expect.poll(() => inkedCount(bob, area)).toBeGreaterThan(5);
  await alice.keyboard.type(" world 👋", { delay: 30 });
  await expect.poll(async () => (await objects(bob, board)).map((o) => o.text)).toEqual(["Hello world 👋"]);
  await alice.keyboard.press("Escape");
  await expect(editor).toHaveCount(0);

  await bob.reload();
  await expect(bob.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await expect.poll(() => inkedCount(bob, area)).toBeGreaterThan(5);
  // One undo takes the whole typing back.
  await alice.getByRole("button", { name: "Undo" }).click();
  await expect.poll(async () => (await objects(bob, board)).length).toBe(0);
  await expect.poll(() => inkedCount(bob, area)).toBe(0);
});

test("a moved stroke moves for the other, and back with undo", async ({ browser }) => {
  const { board, alice, bob } = await twoUsers(browser, "move");
  await drawPath(alice, [[200, 200], [350, 200]]);
  const before = [[230, 200], [280, 200], [330, 200]] as [number, number][];
  const after = [[230, 400], [280, 400], [330, 400]] as [number, number][];
  await expect.poll(() => inkedCount(bob, before)).toBe(3);

  await alice.keyboard.press("v");
  await alice.mouse.move(280, 200);
  await alice.mouse.down();
  await alice.mouse.move(280, 300, { steps: 8 });
  await alice.mouse.move(280, 400, { steps: 8 });
  await alice.mouse.up();
  await expect.poll(() => inkedCount(bob, after)).toBe(3);
  await expect.poll(() => inkedCount(bob, before)).toBe(0);
  const [moved] = await objects(bob, board);
  expect(moved.transform).toEqual({ sx: 1, sy: 1, dx: 0, dy: 200 });

  await alice.getByRole("button", { name: "Undo" }).click();
  await expect.poll(() => inkedCount(bob, before)).toBe(3);
  await expect.poll(() => inkedCount(bob, after)).toBe(0);

  // Resize from the bottom-right handle (4 px outside the ink), then duplicate;
  // Alice's own undo shows once acknowledged, after the relay to Bob.
  await expect.poll(() => inkedCount(alice, before)).toBe(3);
  await alice.mouse.click(280, 200);
  await expect(alice.getByRole("group", { name: "Selection" })).toBeVisible();
  await drawPath(alice, [[356, 206], [506, 206]]);
  await expect.poll(async () => (await objects(bob, board))[0].transform?.sx ?? 1).toBeGreaterThan(1.5);
  await alice.keyboard.press("Control+d");
  await expect.poll(async () => (await objects(bob, board)).length).toBe(2);
});

test("a marquee selects two strokes and Delete removes them for everyone", async ({ browser }) => {
  const { board, alice, bob } = await twoUsers(browser, "marquee");
  await drawPath(alice, [[250, 250], [350, 260]]);
  await drawPath(alice, [[260, 350], [340, 380]]);
  await drawPath(alice, [[600, 600], [650, 620]]);
  await expect.poll(async () => (await objects(bob, board)).length).toBe(3);
  await alice.getByRole("button", { name: "Select", exact: true }).click();
  await drawPath(alice, [[200, 200], [400, 420]]);
  await expect(alice.getByRole("group", { name: "Selection" })).toBeVisible();
  await alice.keyboard.press("Delete");
  await expect.poll(async () => (await objects(bob, board)).length).toBe(1);
  // The server's API may answer before Bob's relay arrives: his canvas follows.
  await expect.poll(() => inkedCount(bob, [[300, 255], [300, 365]])).toBe(0);
  expect(await inkedCount(bob, [[625, 610]])).toBe(1);
});

test("copy on one board, paste on another", async ({ browser }) => {
  const context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const from = uniqueBoard("copy-from");
  const to = uniqueBoard("copy-to");
  const x = await context.newPage();
  await openBoard(x, from);
  await drawPath(x, [[300, 300], [400, 330]]);
  await x.keyboard.press("v");
  await x.mouse.click(350, 315);
  await x.keyboard.press("Control+c");
  await expect.poll(() => x.evaluate(() => navigator.clipboard.readText())).toContain('"type":"scrawl/objects"');

  const y = await context.newPage();
  await openBoard(y, to);
  await y.getByRole("button", { name: "Paste" }).click();
  await expect.poll(async () => (await objects(y, to)).length).toBe(1);
  const [pasted] = await objects(y, to);
  const [original] = await objects(x, from);
  expect(pasted.id).not.toBe(original.id);
  // The paste is selected and undoable.
  await expect(y.getByRole("group", { name: "Selection" })).toBeVisible();
  await y.getByRole("button", { name: "Undo" }).click();
  await expect.poll(async () => (await objects(y, to)).length).toBe(0);
  await context.close();
});

test("a note shows in the no-JavaScript page and in the SVG export", async ({ browser }) => {
  const board = uniqueBoard("note");
  const alice = await browser.newPage();
  await openBoard(alice, board);
  await alice.keyboard.press("n");
  await alice.mouse.click(300, 250);
  await expect(alice.getByTestId("text-editor")).toBeFocused();
  await alice.keyboard.type("Buy milk <now> & then", { delay: 20 });
  await alice.mouse.click(700, 600);
  await expect(alice.getByTestId("text-editor")).toHaveCount(0);
  await expect.poll(async () => (await objects(alice, board)).map((o) => o.text)).toEqual(["Buy milk <now> & then"]);

  const [svg] = await Promise.all([alice.waitForEvent("download"), alice.getByRole("button", { name: "Export SVG" }).click()]);
  const svgText = fs.readFileSync((await svg.path())!, "utf8");
  expect(svgText).toContain("<rect");
  // The note wraps its text into lines (tspans) at its width.
  expect(svgText).toContain("Buy milk &lt;now&gt;");
  expect(svgText).not.toContain("<now>");

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/b/${board}`);
  const text = page.locator("svg.first-paint text");
  await expect(text).toContainText("Buy milk <now>");
  await expect(text).toContainText("then");
  await expect(page.locator("svg.first-paint rect")).toHaveCount(1);
  await context.close();
});

for (const width of [360, 1200]) {
  test(`every tool and action is one tap away at ${width} px`, async ({ browser }, testInfo) => {
    const page = await browser.newPage({ viewport: { width, height: 740 } });
    await openBoard(page, uniqueBoard(`layout-${width}`));
    await drawPath(page, [[100, 300], [200, 320]]);
    await page.keyboard.press("v");
    await page.mouse.click(150, 310);
    await expect(page.getByRole("group", { name: "Selection" })).toBeVisible();
    const buttons = page.locator(".toolbar button, .toolbar input");
    const count = await buttons.count();
    expect(count).toBeGreaterThan(20);
    for (let i = 0; i < count; i++) {
      const b = (await buttons.nth(i).boundingBox())!;
      expect(b.x, `toolbar control ${i}`).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width, `toolbar control ${i}`).toBeLessThanOrEqual(width);
      expect(b.y + b.height).toBeLessThanOrEqual(740);
    }
    // Nothing covers the toolbar: the language and zoom corner stays clear of it.
    const bar = (await page.locator(".toolbar").boundingBox())!;
    const corner = (await page.locator(".zoom").boundingBox())!;
    const apart =
      corner.x >= bar.x + bar.width || corner.x + corner.width <= bar.x || corner.y + corner.height <= bar.y || corner.y >= bar.y + bar.height;
    expect(apart, "the zoom corner overlaps the toolbar").toBeTruthy();
    const header = (await page.locator(".top-start").boundingBox())!;
    expect(header.x + header.width <= corner.x || header.y + header.height <= corner.y, "the corner overlaps the header").toBeTruthy();
    // The status line sits under the header: it covers neither our name nor the board's.
    const status = (await page.getByTestId("status").boundingBox())!;
    const me = (await page.getByTestId("me").boundingBox())!;
    expect(status.y).toBeGreaterThanOrEqual(me.y + me.height);
    await snapshot(page, testInfo, `layout-${width}`);
  });
}
