/**
 * The demo chat's server (examples/chat) in-process, driven by the official
 * client: it checks everything a client sends, routes messages to rooms,
 * drops resent duplicates, and serves its page safely.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { createChat } from "../examples/chat/app.ts";
import { once } from "./_fixtures/io.ts";
import { serve } from "./_fixtures/serve.ts";

type Answer = { ok: boolean; error?: string; [key: string]: unknown };

function startChat() {
  const chat = createChat(async (url) => new Uint8Array(await readFile(url)));
  const host = {
    handleRequest: (request: Request, info?: Parameters<typeof chat.io.handleRequest>[1]) =>
      chat.fetch(request, () => chat.io.handleRequest(request, info)),
    longestPollMs: chat.io.longestPollMs,
    maxMessageBytes: chat.io.maxMessageBytes,
  };
  const server = serve(host);
  const clients: ClientSocket[] = [];
  return {
    url: server.url,
    async client(auth: Record<string, unknown>): Promise<ClientSocket> {
      const socket = connect(server.url, { forceNew: true, reconnection: false, auth });
      clients.push(socket);
      await once(socket, "connect");
      return socket;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await chat.io.close();
      await server.shutdown();
    },
  };
}

test("chat: a bad nickname is refused at the handshake", async () => {
  const chat = startChat();
  try {
    for (const nickname of [undefined, 42, "", "   ", "x".repeat(25), "a\u202eb", { a: 1 }]) {
      const socket = connect(chat.url, { forceNew: true, reconnection: false, auth: { nickname } });
      const [err] = await once<[Error]>(socket, "connect_error");
      assert.match(err.message, /^Invalid nickname/);
      socket.disconnect();
    }
  } finally {
    await chat.close();
  }
});

test("chat: joins, messages and typing are checked, never trusted", async () => {
  const chat = startChat();
  try {
    const alice = await chat.client({ nickname: "  alice  " });
    const join = (room: unknown) =>
      alice.timeout(2000).emitWithAck("join", room) as Promise<Answer>;
    for (const bad of [42, null, "", "../etc", "x".repeat(33), "-dash", ["general"]]) {
      assert.equal((await join(bad)).ok, false, `join ${JSON.stringify(bad)}`);
    }
    const joined = await join("  Book   Club ");
    assert.equal(joined.ok, true);
    assert.equal(joined.room, "book club");
    assert.deepEqual(joined.members, ["alice"]);

    const say = (message: unknown) =>
      alice.timeout(2000).emitWithAck("message", message) as Promise<Answer>;
    const rejected: unknown[] = [
      "just a string",
      null,
      { room: "book club", text: 42, clientId: "a1" },
      { room: "book club", text: "   ", clientId: "a2" },
      { room: "book club", text: "x".repeat(501), clientId: "a3" },
      { room: "book club", text: "bell\u0007", clientId: "a4" },
      { room: "book club", text: "hi", clientId: "not/an id" },
      { room: "book club", text: "hi" },
      { room: "random", text: "not joined", clientId: "a5" },
    ];
    for (const message of rejected) {
      assert.equal((await say(message)).ok, false, `message ${JSON.stringify(message)}`);
    }
    // An event without an ack callback, or with junk arguments, is ignored.
    alice.emit("message", { room: "book club", text: "no ack", clientId: "a6" });
    alice.emit("typing", { room: "book club" });
    alice.emit("leave", 42);
    const ok = await say({ room: "book club", text: "  hello  ", clientId: "a7" });
    assert.equal(ok.ok, true);
    assert.equal((ok.message as { text: string }).text, "hello");
    assert.equal((ok.message as { author: string }).author, "alice");
  } finally {
    await chat.close();
  }
});

test("chat: messages reach only the room, and a resend is not posted twice", async () => {
  const chat = startChat();
  try {
    const alice = await chat.client({ nickname: "alice", rooms: ["team"] });
    const bob = await chat.client({ nickname: "bob", rooms: ["team", 7, "../x"] });
    const carol = await chat.client({ nickname: "carol", rooms: ["other"] });
    const bobGot: unknown[] = [];
    const carolGot: unknown[] = [];
    bob.on("message", (m) => bobGot.push(m));
    carol.on("message", (m) => carolGot.push(m));

    const payload = { room: "team", text: "hi team", clientId: "c1" };
    const first = await alice.timeout(2000).emitWithAck("message", payload) as Answer;
    const again = await alice.timeout(2000).emitWithAck("message", payload) as Answer;
    assert.equal(first.ok, true);
    assert.deepEqual(again.message, first.message, "a resend answers the stored message");
    // Handshake rooms were joined: bob is in "team" (the junk entries were dropped).
    const history = await bob.timeout(2000).emitWithAck("join", "team") as Answer;
    assert.deepEqual(history.members, ["alice", "bob"]);
    assert.deepEqual((history.history as { text: string }[]).map((m) => m.text), ["hi team"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(bobGot.length, 1);
    assert.deepEqual(carolGot, []);
  } finally {
    await chat.close();
  }
});

test("chat: the page is served with a content policy, and nothing outside public/", async () => {
  const chat = startChat();
  try {
    const page = await fetch(chat.url + "/");
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.match(await page.text(), /<script src="\/socket.io\/socket.io.js"/);
    const script = await fetch(chat.url + "/app.js");
    assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
    await script.body?.cancel();
    const client = await fetch(chat.url + "/socket.io/socket.io.js");
    assert.equal(client.status, 200);
    assert.match(await client.text(), /Socket\.IO v4/);
    for (const path of ["/../app.ts", "/%2e%2e/app.ts", "/chat.ts", "/public/app.js", "/x.json"]) {
      const response = await fetch(chat.url + path);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }
    const post = await fetch(chat.url + "/", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await chat.close();
  }
});
