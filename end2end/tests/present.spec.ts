// Images, the laser pointer and following a presenter, by two people.
import { expect, test, type Page } from "@playwright/test";
import * as fs from "node:fs";
import { drawPath, inkAt, snapshot, toBoard, twoUsers, viewport } from "./board";

/** A 200 × 100 px PNG, all #e03131. */
const RED_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAMgAAABkCAIAAABM5OhcAAAAzElEQVR42u3SMQ0AAAzDsFIqfzKDMhI7dlgygiiZFs5FAoyFsTAWGAtjYSwwFsbCWGAsjIWxwFgYC2OBsTAWxgJjYSyMBcbCWBgLjIWxMBYYC2NhLDAWxsJYYCyMhbHAWBgLY4GxMBbGAmNhLIwFxsJYGAuMhbEwFhgLY2EsMBbGwlhgLIyFscBYGAtjgbEwFsYCY2EsjAXGwlgYC4yFsTAWGAtjYSwwFsbCWGAsjIWxwFgYC2NhLBUwFsbCWGAsjIWxwFgYC2OBsfhtAbwLSf+P55adAAAAAElFTkSuQmCC",
  "base64",
);

type Stroke = { id: string; tool: string; image?: string; transform?: { sx: number; sy: number; dx: number; dy: number } };

async function objects(page: Page, board: string): Promise<Stroke[]> {
  return (await (await page.request.get(`/api/boards/${board}`)).json()).strokes;
}

/** How many of `points` show the image's red. */
async function redCount(page: Page, points: [number, number][]): Promise<number> {
  const px = await inkAt(page, points, 0);
  return px.filter(([r, g, b, a]) => a > 200 && r > 200 && g < 80 && b < 80).length;
}

/** Pastes the PNG as a file, through a synthetic clipboard event. */
async function pasteImage(page: Page): Promise<void> {
  await page.evaluate((base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], "worksheet.png", { type: "image/png" }));
    window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
  }, RED_PNG.toString("base64"));
}

async function addImage(page: Page): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.getByRole("button", { name: "Image" }).click()]);
  await chooser.setFiles({ name: "worksheet.png", mimeType: "image/png", buffer: RED_PNG });
}

test("an image is seen by the other, live and after a reload, moved and resized, and without JavaScript", async ({ browser }) => {
  const { board, alice, bob } = await twoUsers(browser, "image");
  await alice.mouse.move(400, 300);
  await addImage(alice);
  // Centred where the pointer was: 200 × 100 px at zoom 1.
  const inside: [number, number][] = [[330, 270], [400, 300], [470, 330]];
  await expect.poll(() => redCount(bob, inside)).toBe(3);
  const [image] = await objects(bob, board);
  expect(image.tool).toBe("image");
  expect(image.image).toMatch(/^[0-9a-f]{64}$/);
  const served = await bob.request.get(`/images/${image.image}`);
  expect(served.headers()["cache-control"]).toContain("immutable");
  expect(Buffer.compare(await served.body(), RED_PNG)).toBe(0);

  await bob.reload();
  await expect(bob.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await expect.poll(() => redCount(bob, inside)).toBe(3);

  // The new image is selected: drag it 150 px right, then pull its bottom-right handle.
  await drawPath(alice, [[400, 300], [550, 300]]);
  await expect.poll(() => redCount(bob, [[620, 300]])).toBe(1);
  await expect.poll(() => redCount(bob, [[330, 300]])).toBe(0);
  await drawPath(alice, [[654, 354], [754, 404]]);
  await expect.poll(async () => (await objects(bob, board))[0].transform?.sx ?? 1).toBeGreaterThan(1.3);
  await expect.poll(() => redCount(bob, [[700, 380]])).toBe(1);

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/b/${board}`);
  await expect(page.locator("svg.first-paint image")).toHaveAttribute("href", `/images/${image.image}`);
  await context.close();

  // The SVG export stands alone: the image is embedded.
  const [svg] = await Promise.all([alice.waitForEvent("download"), alice.getByRole("button", { name: "Export SVG" }).click()]);
  expect(fs.readFileSync((await svg.path())!, "utf8")).toContain('href="data:image/png;base64,');
});

test("an image copied on one board is pasted on another", async ({ browser }) => {
  const context = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const x = await context.newPage();
  const from = `image-from-${Date.now().toString(36)}`;
  const to = `image-to-${Date.now().toString(36)}`;
  await x.goto(`/b/${from}`);
  await expect(x.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await x.mouse.move(400, 300);
  await pasteImage(x);
  await expect.poll(async () => (await objects(x, from)).length).toBe(1);
  // The new image is selected: copy it.
  await expect(x.getByRole("group", { name: "Selection" })).toBeVisible();
  await x.keyboard.press("Control+c");
  await expect.poll(() => x.evaluate(() => navigator.clipboard.readText())).toContain('"tool":"image"');
  const y = await context.newPage();
  await y.goto(`/b/${to}`);
  await expect(y.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await y.getByRole("button", { name: "Paste" }).click();
  await expect.poll(async () => (await objects(y, to)).map((o) => o.tool)).toEqual(["image"]);
  await expect.poll(() => redCount(y, [[640, 360]])).toBe(1);
  await context.close();
});

test("a laser shows on the other's screen, and is gone after a reload", async ({ browser }, testInfo) => {
  const { alice, bob } = await twoUsers(browser, "laser");
  await alice.keyboard.press("k");
  const lit = () =>
    bob.evaluate(() => {
      const layer = document.querySelector("canvas.laser-layer") as HTMLCanvasElement | null;
      if (!layer) return 0;
      const data = layer.getContext("2d")!.getImageData(0, 0, layer.width, layer.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
  for (let i = 0; i < 20; i++) await alice.mouse.move(200 + 10 * i, 300);
  await expect.poll(lit).toBeGreaterThan(50);
  await snapshot(bob, testInfo, "laser");
  // It fades on its own, and nothing of it is stored.
  await expect.poll(lit, { timeout: 5000 }).toBe(0);
  await bob.reload();
  await expect(bob.getByTestId("status")).toHaveAttribute("data-state", "connected");
  expect(await lit()).toBe(0);
  expect(await inkAt(bob, [[250, 300]], 3)).toEqual([[0, 0, 0, 0]]);
});

test("following someone's view, until Esc", async ({ browser }) => {
  const { alice, bob } = await twoUsers(browser, "follow");
  await drawPath(alice, [[300, 300], [340, 320]]);
  // Bob follows Alice from the people panel.
  await bob.getByTestId("user-count").click();
  await bob.getByRole("button", { name: /^Follow / }).click();
  await expect(bob.getByTestId("status")).toContainText("Following");
  // Alice zooms in around a point and pans: Bob sees what she sees.
  await alice.mouse.move(640, 360);
  await alice.mouse.wheel(0, -400);
  await alice.keyboard.down(" ");
  await drawPath(alice, [[640, 360], [500, 300]]);
  await alice.keyboard.up(" ");
  const [aliceCentre] = await toBoard(alice, [[640, 360]]);
  await expect
    .poll(async () => {
      const [bobCentre] = await toBoard(bob, [[640, 360]]);
      return Math.hypot(bobCentre[0] - aliceCentre[0], bobCentre[1] - aliceCentre[1]);
    })
    .toBeLessThan(2);
  expect((await viewport(bob)).zoom).toBeCloseTo((await viewport(alice)).zoom, 2);

  // Esc stops following: Alice's next pan no longer moves Bob.
  await bob.keyboard.press("Escape");
  await expect(bob.getByTestId("status")).not.toContainText("Following");
  const before = await viewport(bob);
  await alice.keyboard.down(" ");
  await drawPath(alice, [[500, 300], [300, 200]]);
  await alice.keyboard.up(" ");
  await alice.waitForTimeout(500);
  expect(await viewport(bob)).toEqual(before);
});
