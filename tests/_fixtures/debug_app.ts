/**
 * A program for tests/_internal/logging_test.ts: a webio server on a free port that one
 * long-polling client joins and sends an event to, then it closes. What
 * `DEBUG` switches on is printed to standard error; it prints "done" last.
 */
import { Server } from "../../src/server.ts";

const io = new Server(0);
const got = new Promise<unknown>((resolve) => {
  io.on("connection", (socket) => socket.on("hi", resolve));
});
const base = `http://127.0.0.1:${io.port}/socket.io/?EIO=4&transport=polling`;
const open = await (await fetch(base)).text();
const sid = JSON.parse(open.slice(1)).sid as string;
const url = `${base}&sid=${sid}`;
await (await fetch(url, { method: "POST", body: "40" })).text();
await (await fetch(url)).text(); // the CONNECT answer
await (await fetch(url, { method: "POST", body: '42["hi","there"]' })).text();
await got;
await io.close();
console.log("done");
