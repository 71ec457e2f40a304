// Helpers shared by the specs: opening a board and reading canvas pixels.
import { expect, type Browser, type Page, type TestInfo } from "@playwright/test";

export function uniqueBoard(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens a board and waits until the client has synced with the server. */
export async function openBoard(page: Page, board: string): Promise<void> {
  await page.goto(`/b/${board}`);
  await expect(page.getByTestId("status")).toHaveAttribute("data-state", "connected");
}

/** Draws a polyline with the mouse, in page coordinates. */
export async function drawPath(page: Page, path: [number, number][]): Promise<void> {
  await page.mouse.move(path[0][0], path[0][1]);
  await page.mouse.down();
  for (const [x, y] of path.slice(1)) {
    await page.mouse.move(x, y, { steps: 12 });
  }
  await page.mouse.up();
}

/** Points every `step` px along a polyline. */
export function along(path: [number, number][], step = 10): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < path.length; i++) {
    const [x0, y0] = path[i - 1];
    const [x1, y1] = path[i];
    const n = Math.max(1, Math.round(Math.hypot(x1 - x0, y1 - y0) / step));
    for (let k = 0; k < n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  out.push(path[path.length - 1]);
  return out;
}

/**
 * For each CSS-pixel point, the RGBA of the most opaque canvas pixel within
 * `radius` px, read from the board canvas's backing store.
 */
export async function inkAt(page: Page, points: [number, number][], radius = 2): Promise<number[][]> {
  return page.evaluate(
    ({ points, radius }) => {
      const canvas = document.querySelector("canvas.board-canvas") as HTMLCanvasElement;
      const ctx = canvas.getContext("2d")!;
      const rect = canvas.getBoundingClientRect();
      const scale = canvas.width / rect.width;
      return points.map(([x, y]) => {
        const r = Math.ceil(radius * scale);
        const px = Math.round((x - rect.left) * scale) - r;
        const py = Math.round((y - rect.top) * scale) - r;
        const data = ctx.getImageData(px, py, 2 * r + 1, 2 * r + 1).data;
        let best = [0, 0, 0, 0];
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > best[3]) best = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        }
        return best;
      });
    },
    { points, radius },
  );
}

/** How many of `points` have ink (an opaque pixel) nearby. */
export async function inkedCount(page: Page, points: [number, number][]): Promise<number> {
  const px = await inkAt(page, points);
  return px.filter((p) => p[3] > 200).length;
}

export function hex(rgba: number[]): string {
  return "#" + rgba.slice(0, 3).map((v) => v.toString(16).padStart(2, "0")).join("");
}

/** The board canvas's viewport: screen = board × zoom + offset (CSS px, canvas-relative). */
export async function viewport(page: Page): Promise<{ zoom: number; ox: number; oy: number }> {
  const canvas = page.getByTestId("board-canvas");
  const zoom = Number(await canvas.getAttribute("data-zoom"));
  const [ox, oy] = ((await canvas.getAttribute("data-offset")) ?? "0 0").split(" ").map(Number);
  return { zoom, ox, oy };
}

/** Maps board points to a page's screen points through its viewport. */
export async function toScreen(page: Page, points: [number, number][]): Promise<[number, number][]> {
  const v = await viewport(page);
  return points.map(([x, y]) => [x * v.zoom + v.ox, y * v.zoom + v.oy]);
}

/** Maps screen points to board points through a page's viewport. */
export async function toBoard(page: Page, points: [number, number][]): Promise<[number, number][]> {
  const v = await viewport(page);
  return points.map(([x, y]) => [(x - v.ox) / v.zoom, (y - v.oy) / v.zoom]);
}

/** Two pages, Alice and Bob, synced on a new board. */
export async function twoUsers(browser: Browser, prefix: string): Promise<{ board: string; alice: Page; bob: Page }> {
  const board = uniqueBoard(prefix);
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  await openBoard(alice, board);
  await openBoard(bob, board);
  return { board, alice, bob };
}

/** Saves a screenshot as a test artefact (test-results/artifacts/…/NAME.png). */
export async function snapshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: "image/png" });
}
