/**
 * Namespaces end to end with the official `socket.io-client`: middlewares
 * (refusal with `message` and `data`, async, order), dynamic namespaces by
 * RegExp and by function, cleanup of empty children, unknown namespaces,
 * several namespaces over one connection, and `connectTimeout`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Socket as EngineClient } from "engine.io-client";
import { mounts, once, sleep, startIo, transportModes } from "../_fixtures/io.ts";
import type { Namespace } from "../../src/io/namespace.ts";
import type { ParentNamespace } from "../../src/io/parent_namespace.ts";

interface ConnectError extends Error {
  data?: unknown;
}

for (const mode of transportModes) {
  test(`namespaces ${mode.name}: an /admin middleware refuses a bad token with message and data`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const admin = fx.io.of("/admin");
      admin.use((socket, next) => {
        if (socket.handshake.auth.token === "s3cret") return next();
        next(Object.assign(new Error("unauthorized"), { data: { code: 401, hint: "token" } }));
      });
      let connections = 0;
      admin.on("connection", () => connections++);

      const bad = fx.client("/admin", { auth: { token: "nope" } });
      const [err] = await once<[ConnectError]>(bad, "connect_error");
      assert.equal(err.message, "unauthorized");
      assert.deepEqual(err.data, { code: 401, hint: "token" });
      assert.equal(bad.connected, false);
      assert.equal(admin.sockets.size, 0);

      const good = fx.client("/admin", { auth: { token: "s3cret" } });
      await once(good, "connect");
      assert.equal(connections, 1);
      assert.equal(admin.sockets.size, 1);
      // An error without data reaches the client without data.
      admin.use((_socket, next) => next(new Error("closed for today")));
      const late = fx.client("/admin", { auth: { token: "s3cret" } });
      const [err2] = await once<[ConnectError]>(late, "connect_error");
      assert.equal(err2.message, "closed for today");
      assert.equal(err2.data, undefined);
    } finally {
      await fx.close();
    }
  });
}

for (const mount of mounts) {
  test(`namespaces ${mount}: middlewares run in order, async ones included, before connection`, async () => {
    const fx = startIo({}, mount);
    try {
      const order: string[] = [];
      fx.io.use((socket, next) => {
        order.push("one");
        socket.data = { steps: 1 };
        next();
      });
      fx.io.use(async (socket, next) => {
        await sleep(5);
        order.push("two (async)");
        (socket.data as { steps: number }).steps++;
        next();
      });
      fx.io.sockets.use((_socket, next) => {
        order.push("three");
        setTimeout(next, 1);
      });
      fx.io.on("connection", (socket) => {
        order.push("connection");
        socket.emit("data", socket.data);
      });
      const c = fx.client();
      const data = once(c, "data");
      await once(c, "connect");
      assert.deepEqual(await data, [{ steps: 2 }]);
      assert.deepEqual(order, ["one", "two (async)", "three", "connection"]);

      // An async middleware that throws refuses the connection with its message.
      const nsp = fx.io.of("/strict");
      nsp.use(async () => {
        await sleep(1);
        throw new Error("async refusal");
      });
      const refused = fx.client("/strict");
      const [err] = await once<[Error]>(refused, "connect_error");
      assert.equal(err.message, "async refusal");
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`namespaces ${mode.name}: dynamic namespaces by RegExp and by function`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const created: string[] = [];
      fx.io.on("new_namespace", (nsp) => created.push(nsp.name));
      const parent = fx.io.of(/^\/dyn-\d+$/) as ParentNamespace;
      parent.use((socket, next) => {
        socket.data = { viaParent: true };
        next();
      });
      parent.on("connection", (socket) => {
        socket.emit("hello", socket.nsp.name, socket.data);
      });
      const byFn = fx.io.of((name, auth, next) =>
        next(null, name.startsWith("/fn-") && auth.ok === true)
      );
      byFn.on("connection", (socket) => socket.emit("hello", socket.nsp.name));

      const one = fx.client("/dyn-1");
      const two = fx.client("/dyn-22");
      const fn = fx.client("/fn-x", { auth: { ok: true } });
      const hellos = await Promise.all([one, two, fn].map((c) => once(c, "hello")));
      assert.deepEqual(hellos, [
        ["/dyn-1", { viaParent: true }],
        ["/dyn-22", { viaParent: true }],
        ["/fn-x"],
      ]);
      assert.deepEqual(created, ["/dyn-1", "/dyn-22", "/fn-x"]);
      assert.deepEqual([...parent.children].map((n) => n.name), ["/dyn-1", "/dyn-22"]);
      assert.equal(fx.io._nsps.get("/dyn-1")?.sockets.size, 1);

      // A broadcast on the parent reaches every child; a child's stays its own.
      const toAll = [one, two].map((c) => once(c, "all"));
      parent.emit("all", 1);
      assert.deepEqual(await Promise.all(toAll), [[1], [1]]);
      const onlyOne = once(one, "only");
      let leaked = false;
      two.on("only", () => leaked = true);
      fx.io.of("/dyn-1").emit("only", "one");
      assert.deepEqual(await onlyOne, ["one"]);
      const sync = once(two, "all");
      parent.emit("all", 2);
      await sync;
      assert.equal(leaked, false);

      // io.of(name) for a name the RegExp matches attaches it to the parent.
      const three = fx.io.of("/dyn-3");
      assert.ok(parent.children.has(three as Namespace));
      assert.equal(fx.io.of("/dyn-1"), [...parent.children][0]);

      // The function refuses: the namespace does not exist.
      const refused = fx.client("/fn-y", { auth: { ok: false } });
      const [err] = await once<[Error]>(refused, "connect_error");
      assert.equal(err.message, "Invalid namespace");
    } finally {
      await fx.close();
    }
  });
}

test("namespaces: cleanupEmptyChildNamespaces forgets a child once its last socket left", async () => {
  for (const cleanup of [true, false]) {
    const fx = startIo({ cleanupEmptyChildNamespaces: cleanup });
    try {
      const created: string[] = [];
      fx.io.on("new_namespace", (nsp) => created.push(nsp.name));
      const parent = fx.io.of(/^\/room-\w+$/) as ParentNamespace;
      const a = fx.client("/room-a");
      const b = fx.client("/room-a");
      await Promise.all([once(a, "connect"), once(b, "connect")]);
      const child = fx.io._nsps.get("/room-a")!;
      const gone = () => once(child.sockets.values().next().value!, "disconnect");

      let left = gone();
      a.disconnect();
      await left;
      assert.equal(fx.io._nsps.has("/room-a"), true, "one socket is still there");
      left = gone();
      b.disconnect();
      await left;
      assert.equal(fx.io._nsps.has("/room-a"), !cleanup);
      assert.equal(parent.children.size, cleanup ? 0 : 1);

      const again = fx.client("/room-a");
      await once(again, "connect");
      assert.deepEqual(created, cleanup ? ["/room-a", "/room-a"] : ["/room-a"]);
      assert.equal(fx.io._nsps.get("/room-a") === child, !cleanup);
    } finally {
      await fx.close();
    }
  }
});

for (const mode of transportModes) {
  test(`namespaces ${mode.name}: an unknown namespace gets connect_error "Invalid namespace"`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const c = fx.client("/nowhere");
      const [err] = await once<[Error]>(c, "connect_error");
      assert.equal(err.message, "Invalid namespace");
      assert.equal(fx.io._nsps.has("/nowhere"), false);
      // The connection itself is fine: a known namespace can still be joined on it.
      const main = c.io.socket("/");
      fx.clients.push(main);
      await once(main, "connect");
      assert.equal(fx.io.engine.clientsCount, 1);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`namespaces ${mode.name}: two namespaces over one connection share one engine client`, async () => {
    const fx = startIo({}, "native", { transports: mode.transports });
    try {
      const conns: string[] = [];
      fx.io.on("connection", (socket) => conns.push(socket.conn.id));
      // `io.of(name, fn)` registers a connection handler.
      fx.io.of("/chat", (socket) => {
        conns.push(socket.conn.id);
        socket.on("say", (text: string) => socket.nsp.emit("said", text));
      });
      const main = fx.client("/");
      const chat = main.io.socket("/chat");
      fx.clients.push(chat);
      await Promise.all([once(main, "connect"), once(chat, "connect")]);
      assert.equal(fx.io.engine.clientsCount, 1);
      assert.equal(conns.length, 2);
      assert.equal(conns[0], conns[1]);
      assert.notEqual(main.id, chat.id);
      const mainSocket = fx.io.sockets.sockets.get(main.id!)!;
      const chatSocket = fx.io.of("/chat").sockets.get(chat.id!)!;
      assert.equal(mainSocket.client, chatSocket.client);

      // Events stay in their namespace.
      let leaked = false;
      main.on("said", () => leaked = true);
      const said = once(chat, "said");
      chat.emit("say", "hi");
      assert.deepEqual(await said, ["hi"]);
      assert.equal(leaked, false);

      // Rooms are per namespace: the same room name in two namespaces.
      mainSocket.join("r");
      chatSocket.join("r");
      let crossed = false;
      main.on("room", () => crossed = true);
      const inRoom = once(chat, "room");
      fx.io.of("/chat").to("r").emit("room", "chat only");
      assert.deepEqual(await inRoom, ["chat only"]);
      const mainSync = once(main, "room-main");
      fx.io.to("r").emit("room-main");
      await mainSync;
      assert.equal(crossed, false);

      // Leaving one namespace keeps the connection for the other.
      const left = once(chatSocket, "disconnect");
      chat.disconnect();
      await left;
      assert.equal(main.connected, true);
      assert.equal(fx.io.engine.clientsCount, 1);
    } finally {
      await fx.close();
    }
  });
}

for (const mode of transportModes) {
  test(`namespaces ${mode.name}: connectTimeout closes a connection that joins no namespace`, async () => {
    const fx = startIo({ connectTimeout: 100 });
    let opened = 0;
    fx.io.engine.on("connection", () => opened++);
    const engine = new EngineClient(fx.url, {
      path: "/socket.io/",
      transports: mode.transports,
    });
    try {
      const [reason] = await once<[string]>(engine, "close");
      assert.equal(typeof reason, "string");
      assert.equal(opened, 1);
      assert.equal(fx.io.engine.clientsCount, 0);
      assert.equal(engine.readyState, "closed");
    } finally {
      engine.close();
      await fx.close();
    }
  });
}

test("namespaces: a connection that joins in time is kept past connectTimeout", async () => {
  const fx = startIo({ connectTimeout: 300 });
  try {
    const c = fx.client();
    await once(c, "connect");
    // Outlive the timeout, then prove the connection still carries events.
    await sleep(350);
    const echoed = once(c, "back");
    fx.io.emit("back", "still here");
    assert.deepEqual(await echoed, ["still here"]);
    assert.equal(fx.io.engine.clientsCount, 1);
  } finally {
    await fx.close();
  }
});
