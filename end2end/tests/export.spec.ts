import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { drawPath, openBoard, uniqueBoard } from "./board";

test("PNG, SVG and JSON exports download the drawing", async ({ page }) => {
  const board = uniqueBoard("export");
  await openBoard(page, board);
  await drawPath(page, [[200, 200], [400, 300]]);
  await drawPath(page, [[250, 350], [300, 260]]);

  const [png] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export PNG" }).click()]);
  expect(png.suggestedFilename()).toBe(`${board}.png`);
  const bytes = fs.readFileSync((await png.path())!);
  expect(bytes.subarray(1, 4).toString()).toBe("PNG");
  // Twice the drawing's bounds (about 200 × 100 px plus padding): width at 8..9 of the IHDR.
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  expect(width).toBeGreaterThan(400);
  expect(height).toBeGreaterThan(200);
  expect(bytes.length).toBeGreaterThan(1000);

  const [svg] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export SVG" }).click()]);
  const svgText = fs.readFileSync((await svg.path())!, "utf8");
  expect(svgText).toContain("<svg");
  expect(svgText.match(/<path /g)).toHaveLength(2);

  const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
  const doc = JSON.parse(fs.readFileSync((await json.path())!, "utf8"));
  expect(doc.name).toBe(board);
  expect(doc.strokes).toHaveLength(2);
});
