// The UI in the browser's language: German before and after hydration,
// Arabic right to left with the chrome mirrored but not the drawing, and
// the language menu's choice kept across reloads. Expected texts come from
// the catalogues the server ships (src/i18n/locales).
import { expect, test, type Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { along, drawPath, inkAt, openBoard, uniqueBoard } from "./board";

function catalogue(tag: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.resolve("..", "src", "i18n", "locales", `${tag}.json`), "utf8"));
}

/** Console errors, page errors, failed requests (but the favicon no site
 * here has) and any hydration message, as they come. */
function problems(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    const failedLoad = m.text().startsWith("Failed to load resource");
    if ((m.type() === "error" && !failedLoad) || /hydrat/i.test(m.text())) seen.push(`${m.type()}: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) seen.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => seen.push(`pageerror: ${e.message}`));
  return seen;
}

test.describe("a German browser", () => {
  test.use({ locale: "de-DE" });

  test("gets the board in German before and after hydration, with no hydration warnings", async ({ page }) => {
    const de = catalogue("de");
    expect(de["tools.pen"]).not.toBe("Pen");
    const seen = problems(page);
    const board = uniqueBoard("sprache");
    const response = await page.goto(`/b/${board}`);
    // What the server sent, before any wasm ran.
    const html = await response!.text();
    expect(html).toContain('<html lang="de" dir="ltr"');
    expect(html).toContain(`aria-label="${de["tools.pen"]}"`);
    expect(html).toContain(de["status.connecting"]);

    await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
    await expect(page.locator("html")).toHaveAttribute("lang", "de");
    await expect(page.getByTestId("status")).toHaveText(de["status.connected"]);
    await expect(page.getByTestId("user-count")).toHaveText(de["people.online#one"].replace("{n}", "1"));
    // Hydrated, and live: the German buttons work.
    const eraser = page.getByRole("button", { name: de["tools.eraser"], exact: true });
    await eraser.click();
    await expect(eraser).toHaveAttribute("aria-pressed", "true");
    await expect(page.getByRole("button", { name: de["tools.pen"], exact: true })).toHaveAttribute("aria-pressed", "false");
    // The board's name is never translated.
    await expect(page.locator(".board-name")).toHaveText(board);
    expect(seen).toEqual([]);
  });
});

test.describe("an Arabic browser", () => {
  test.use({ locale: "ar-EG" });

  test("gets a right-to-left page: the chrome mirrors, the drawing does not", async ({ page }) => {
    const ar = catalogue("ar");
    await openBoard(page, uniqueBoard("rtl"));
    await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
    await expect(page.locator("html")).toHaveAttribute("lang", "ar");
    const width = page.viewportSize()!.width;

    // The tools run from right to left: the first (pen) is right of the second.
    const pen = (await page.getByRole("button", { name: ar["tools.pen"], exact: true }).boundingBox())!;
    const eraser = (await page.getByRole("button", { name: ar["tools.eraser"], exact: true }).boundingBox())!;
    expect(pen.x).toBeGreaterThan(eraser.x);
    // The board bar moves to the right, the people to the left.
    const bar = (await page.locator(".board-bar").boundingBox())!;
    expect(bar.x + bar.width).toBeGreaterThan(width - 40);
    const people = (await page.getByTestId("user-count").boundingBox())!;
    expect(people.x).toBeLessThan(40);

    // Ink lands under the pointer, as in any language.
    const stroke: [number, number][] = [[220, 300], [420, 330], [520, 420]];
    await drawPath(page, stroke);
    for (const pixel of await inkAt(page, along(stroke, 25))) expect(pixel[3]).toBeGreaterThan(0);
    // And nothing where a mirrored canvas would have drawn it.
    const mirrored = along(stroke, 25).map(([x, y]) => [width - x, y] as [number, number]);
    for (const pixel of await inkAt(page, mirrored)) expect(pixel[3]).toBe(0);
  });
});

test("the language menu switches the page, and the choice survives a reload", async ({ page }) => {
  const de = catalogue("de");
  const board = uniqueBoard("menu");
  await openBoard(page, board);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByTestId("language")).toHaveValue("en");

  // Moving through the options changes nothing until the choice is applied.
  await page.getByTestId("language").selectOption("de");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page).toHaveURL(new RegExp(`/b/${board}$`));
  await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await expect(page.getByRole("button", { name: de["tools.pen"], exact: true })).toBeVisible();
  await expect(page.getByTestId("language")).toHaveValue("de");

  await page.reload();
  await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await page.goto("/");
  await expect(page.getByTestId("new-board")).toHaveText(de["home.new_board"]);

  // And back.
  await page.getByTestId("language").selectOption("en");
  await page.getByRole("button", { name: de["language.apply"] }).click();
  await expect(page.getByTestId("new-board")).toHaveText("New board");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});
