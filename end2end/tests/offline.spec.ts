import { expect, test } from "@playwright/test";
import { along, drawPath, inkedCount, uniqueBoard } from "./board";
import { freePort, OwnServer } from "./server";

test("drawing while the server is down syncs after reconnect, nothing lost or doubled", async ({ browser }) => {
  const server = new OwnServer(await freePort());
  await server.start();
  try {
    const board = uniqueBoard("offline");
    const page = await browser.newPage();
    await page.goto(`${server.url}/b/${board}`);
    const status = page.getByTestId("status");
    await expect(status).toHaveAttribute("data-state", "connected");
    const before: [number, number][] = [[150, 200], [450, 200]];
    await drawPath(page, before);
    await expect(status).toHaveText("Connected");

    await server.kill();
    await expect(status).toHaveAttribute("data-state", "reconnecting");
    const offline1: [number, number][] = [[150, 300], [450, 300]];
    const offline2: [number, number][] = [[150, 400], [450, 380]];
    await drawPath(page, offline1);
    await drawPath(page, offline2);
    await expect(status).toContainText("2 strokes waiting");
    // Local ink shows at once, offline.
    expect(await inkedCount(page, along(offline1))).toBe(along(offline1).length);

    await server.start();
    await expect(status).toHaveText("Connected", { timeout: 20_000 });
    expect(await inkedCount(page, along(offline2))).toBe(along(offline2).length);

    // A fresh page gets all three strokes from the server, once each.
    const other = await browser.newPage();
    await other.goto(`${server.url}/b/${board}`);
    for (const s of [before, offline1, offline2]) {
      await expect.poll(() => inkedCount(other, along(s))).toBe(along(s).length);
    }
    const api = await (await fetch(`${server.url}/api/boards/${board}`)).json();
    expect(api.strokes).toHaveLength(3);
    const ids = new Set(api.strokes.map((s: { id: string }) => s.id));
    expect(ids.size).toBe(3);
    for (const s of api.strokes) expect(s.points.length).toBeGreaterThan(4);
  } finally {
    await server.kill();
  }
});
