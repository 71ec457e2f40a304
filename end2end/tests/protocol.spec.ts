// Any standard Socket.IO client can use scrawl: this one is the official
// socket.io-client from npm, with no browser involved.
import { expect, test } from "@playwright/test";
import { io, type Socket } from "socket.io-client";
import { uniqueBoard } from "./board";

function connect(baseURL: string, auth: Record<string, unknown>): Socket {
  return io(baseURL, { auth, transports: ["websocket"], reconnection: false });
}

function next<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, resolve));
}

test("the official socket.io-client joins, draws, gets acks and receives a peer's stroke", async ({ baseURL }) => {
  const board = uniqueBoard("node");
  const a = connect(baseURL!, { board, name: "Node A", client: "node-a" });
  const aSynced = next<{ seq: number }>(a, "synced");
  const welcome = await next<{ you: { id: string; name: string; color: string } }>(a, "welcome");
  expect(welcome.you.name).toBe("Node A");
  expect(welcome.you.color).toMatch(/^#[0-9a-f]{6}$/);
  expect((await aSynced).seq).toBe(0);

  const b = connect(baseURL!, { board, client: "node-b" });
  await next(b, "synced");
  const relayed = next<{ id: string; user: string; points: number[] }>(b, "stroke:start");

  const ack = await a.emitWithAck("stroke:start", { id: "n1", color: "#2f9e44", width: 5, tool: "pen", points: [1, 2, 3, 4] });
  expect(ack).toEqual({ ok: true, seq: 1 });
  const stroke = await relayed;
  expect(stroke).toMatchObject({ id: "n1", user: welcome.you.id, points: [1, 2, 3, 4] });
  expect(await a.emitWithAck("stroke:end", { id: "n1" })).toEqual({ ok: true, seq: 2 });

  const refused = await a.emitWithAck("stroke:start", { id: "n2", color: "green", width: 5, tool: "pen", points: [] });
  expect(refused.ok).toBe(false);
  expect(refused.error).toContain("color");

  a.disconnect();
  b.disconnect();
});

test("the official client adds, moves, retypes and reorders objects, with undo", async ({ baseURL }) => {
  const board = uniqueBoard("node-objects");
  const a = connect(baseURL!, { board, client: "node-a" });
  await next(a, "synced");
  const b = connect(baseURL!, { board, client: "node-b" });
  await next(b, "synced");

  const added = next<{ objects: { id: string; tool: string; text: string }[]; seq: number }>(b, "add");
  const note = { id: "note1", color: "#fde68a", width: 18, tool: "note", points: [0, 0, 200, 200], text: "Hello" };
  const text = { id: "text1", color: "#1e1e1e", width: 16, tool: "text", points: [300, 0], text: "Hi" };
  expect(await a.emitWithAck("add", { objects: [note, text], session: 1 })).toEqual({ ok: true, seq: 1 });
  expect((await added).objects.map((o) => [o.id, o.tool, o.text])).toEqual([["note1", "note", "Hello"], ["text1", "text", "Hi"]]);

  const retyped = next<{ id: string; text: string; seq: number }>(b, "text");
  expect(await a.emitWithAck("text", { id: "note1", text: "Hello, world", session: 1 })).toMatchObject({ ok: true, seq: 2 });
  expect(await retyped).toEqual({ id: "note1", text: "Hello, world", seq: 2 });

  const moved = next<{ objects: { id: string; transform: object }[]; seq: number }>(b, "transform");
  const by = { sx: 1, sy: 1, dx: 10, dy: 20 };
  const ack = await a.emitWithAck("transform", { ids: ["note1"], by });
  expect(ack).toEqual({ ok: true, seq: 3, transformed: [{ id: "note1", transform: by }] });
  expect(await moved).toEqual({ objects: [{ id: "note1", transform: by }], seq: 3 });

  const reordered = next<{ moves: { id: string; after?: string }[]; seq: number }>(b, "order");
  expect(await a.emitWithAck("order", { ids: ["note1"], front: true })).toMatchObject({ ok: true, seq: 4 });
  expect(await reordered).toEqual({ moves: [{ id: "note1", after: "text1" }], seq: 4 });

  // Each undo takes back one action: the order, the move, then the add with its typing.
  const undoOrder = await a.emitWithAck("undo", {});
  expect(undoOrder.reordered).toEqual([{ id: "note1" }]);
  const undoMove = await a.emitWithAck("undo", {});
  expect(undoMove.transformed).toEqual([{ id: "note1", transform: { sx: 1, sy: 1, dx: 0, dy: 0 } }]);
  const undoAdd = await a.emitWithAck("undo", {});
  expect(undoAdd.removed).toEqual(["note1", "text1"]);

  // A selection shows to the others; a bad edit is refused and not relayed.
  const selected = next<{ user: string; ids: string[] }>(b, "select");
  a.emit("select", { ids: ["text1"] });
  expect((await selected).ids).toEqual(["text1"]);
  const refused = await a.emitWithAck("text", { id: "text1", text: "x".repeat(10_001) });
  expect(refused).toMatchObject({ ok: false, code: "invalid" });
  expect(refused.error).toContain("10000 characters");

  a.disconnect();
  b.disconnect();
});

test("a bad board name is refused with connect_error", async ({ baseURL }) => {
  const s = connect(baseURL!, { board: "not a board!" });
  const err = await next<Error>(s, "connect_error");
  expect(err.message).toContain("board");
  s.disconnect();
});
