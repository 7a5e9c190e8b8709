import { test } from "node:test";
import assert from "node:assert/strict";
import { mounts, once, startIo, transportModes } from "../_fixtures/io.ts";

for (const mount of mounts) {
  for (const mode of transportModes) {
    test(`smoke ${mount} ${mode.name}: connect, event with binary, ack both ways`, async () => {
      const fx = startIo({}, mount, { transports: mode.transports });
      try {
        fx.io.on("connection", (socket) => {
          socket.on("echo", (a, b, ack) => ack(a, b));
          socket.emit("hello", "world", new Uint8Array([1, 2]), (answer: unknown) => {
            socket.emit("answered", answer);
          });
        });
        const c = fx.client();
        c.on("hello", (w, bytes, ack) => ack({ w, n: bytes.byteLength }));
        const answered = once(c, "answered");
        await once(c, "connect");
        const res = await c.emitWithAck("echo", { x: 1 }, new Uint8Array([9]));
        assert.deepEqual(res, { x: 1 });
        assert.deepEqual(await answered, [{ w: "world", n: 2 }]);
      } finally {
        await fx.close();
      }
    });
  }
}
