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

test("a bad board name is refused with connect_error", async ({ baseURL }) => {
  const s = connect(baseURL!, { board: "not a board!" });
  const err = await next<Error>(s, "connect_error");
  expect(err.message).toContain("board");
  s.disconnect();
});
