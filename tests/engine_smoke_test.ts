import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineServer } from "../src/engine/server.ts";
import { mounts, serve } from "./_fixtures/serve.ts";
import { Socket } from "engine.io-client";

for (const mount of mounts) {
  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    test(`smoke ${mount} ${transports}`, async () => {
      const engine = new EngineServer();
      engine.on("connection", (s) => s.on("message", (d) => s.send(d)));
      const server = serve(engine, mount);
      const socket = new Socket(server.url, { transports });
      const got: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        socket.on("error", reject);
        socket.on("open", () => {
          socket.send("hello");
          socket.send(new Uint8Array([1, 2, 3]));
        });
        socket.on("message", (d) => {
          got.push(d);
          if (got.length === 2) resolve();
        });
      });
      if (transports.length === 2) {
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(socket.transport.name, "websocket");
      }
      assert.equal(got[0], "hello");
      assert.deepEqual(new Uint8Array(got[1] as ArrayBuffer), new Uint8Array([1, 2, 3]));
      socket.close();
      engine.close();
      await server.shutdown();
    });
  }
}
