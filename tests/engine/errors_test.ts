/**
 * Protocol errors 0 to 5: every refusal answers as the official server
 * (status, JSON body, `connection_error` event with code, message and
 * context), over polling and for WebSocket handshakes. Ported from the
 * official compliance suite (docs/engine.io-protocol/v4-test-suite) and
 * `packages/engine.io/test/server.js`; the polling error paths are in
 * engine_polling_test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineConnectionError } from "../../src/engine/errors.ts";
import { mounts } from "../_fixtures/serve.ts";
import { rawUpgrade } from "../_fixtures/raw_http.ts";
import {
  assertRefusal,
  echo,
  type Harness,
  openPolling,
  openWebSocket,
  poll,
  post,
  withEngine,
  within,
} from "../_fixtures/engine_http.ts";

function collectErrors(h: Harness): EngineConnectionError[] {
  const errors: EngineConnectionError[] = [];
  h.engine.on("connection_error", (error) => errors.push(error));
  return errors;
}

for (const mount of mounts) {
  test(`${mount}: an unknown transport answers 400 with code 0`, async () => {
    await withEngine({}, mount, async (h) => {
      const errors = collectErrors(h);
      for (const transport of ["tobi", "constructor", "__proto__", "webtransport"]) {
        const res = await fetch(h.eio(`EIO=4&transport=${transport}`));
        await assertRefusal(res, 400, 0, "Transport unknown");
      }
      await assertRefusal(await fetch(h.eio("EIO=4")), 400, 0, "Transport unknown");
      assert.deepEqual(errors.map((e) => [e.code, e.message, e.context.transport]), [
        [0, "Transport unknown", "tobi"],
        [0, "Transport unknown", "constructor"],
        [0, "Transport unknown", "__proto__"],
        [0, "Transport unknown", "webtransport"],
        [0, "Transport unknown", null],
      ]);
      assert.ok(errors.every((e) => e.req instanceof Request));
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: a transport the options leave out answers 400 with code 0`, async () => {
    await withEngine({ transports: ["websocket"] }, mount, async (h) => {
      await assertRefusal(
        await fetch(h.eio("EIO=4&transport=polling")),
        400,
        0,
        "Transport unknown",
      );
    });
  });

  test(`${mount}: an unknown sid answers 400 with code 1`, async () => {
    await withEngine({}, mount, async (h) => {
      const errors = collectErrors(h);
      await assertRefusal(await poll(h, "test"), 400, 1, "Session ID unknown");
      await assertRefusal(await post(h, "test", "4hello"), 400, 1, "Session ID unknown");
      assert.deepEqual(errors.map((e) => [e.code, e.message, e.context.sid]), [
        [1, "Session ID unknown", "test"],
        [1, "Session ID unknown", "test"],
      ]);
    });
  });

  test(`${mount}: a handshake that is not a GET answers 400 with code 2`, async () => {
    await withEngine({}, mount, async (h) => {
      const errors = collectErrors(h);
      for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
        const res = await fetch(h.eio("EIO=4&transport=polling"), { method });
        await assertRefusal(res, 400, 2, "Bad handshake method");
      }
      assert.deepEqual(errors.map((e) => [e.code, e.message, e.context.method]), [
        [2, "Bad handshake method", "POST"],
        [2, "Bad handshake method", "PUT"],
        [2, "Bad handshake method", "DELETE"],
        [2, "Bad handshake method", "OPTIONS"],
      ]);
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: a WebSocket handshake without an upgrade answers 400 with code 3`, async () => {
    await withEngine({}, mount, async (h) => {
      const errors = collectErrors(h);
      await assertRefusal(await fetch(h.eio("EIO=4&transport=websocket")), 400, 3, "Bad request");
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 3);
      assert.equal(errors[0].message, "Bad request");
      assert.equal(errors[0].context.name, "TRANSPORT_HANDSHAKE_ERROR");
    });
  });

  test(`${mount}: a request on the wrong transport answers 400 with code 3 and the session goes on`, async () => {
    await withEngine({}, mount, async (h) => {
      echo(h.engine);
      const errors = collectErrors(h);
      const { sid } = await openPolling(h);
      const res = await fetch(h.eio(`EIO=4&transport=websocket&sid=${sid}`));
      await assertRefusal(res, 400, 3, "Bad request");
      assert.deepEqual(errors[0].context, {
        name: "TRANSPORT_MISMATCH",
        transport: "websocket",
        previousTransport: "polling",
      });
      assert.equal(await (await post(h, sid, "4echo")).text(), "ok");
      assert.equal(await (await poll(h, sid)).text(), "4echo");
    });
  });

  test(`${mount}: allowRequest refusing answers 403 with code 4 (sync, async, custom message)`, async () => {
    const verdicts: [string, (r: Request) => boolean | string | Promise<boolean | string>][] = [
      ["Forbidden", () => false],
      ["Thou shall not pass", () => "Thou shall not pass"],
      ["Forbidden", () => Promise.resolve(false)],
      ["Not today", async () => {
        await Promise.resolve();
        return "Not today";
      }],
      ["boom", () => {
        throw new Error("boom");
      }],
      ["async boom", () => Promise.reject(new Error("async boom"))],
    ];
    for (const [expected, allowRequest] of verdicts) {
      await withEngine({ allowRequest }, mount, async (h) => {
        const errors = collectErrors(h);
        const res = await fetch(h.eio("EIO=4&transport=polling"));
        await assertRefusal(res, 403, 4, expected);
        assert.equal(errors.length, 1);
        assert.equal(errors[0].code, 4);
        assert.equal(errors[0].message, "Forbidden");
        assert.equal(errors[0].context.message, expected === "Forbidden" ? undefined : expected);
        assert.equal(h.engine.clientsCount, 0);
      });
    }
  });

  test(`${mount}: allowRequest accepting (sync and async) lets the handshake through`, async () => {
    for (const allowRequest of [() => true, () => Promise.resolve(true)]) {
      const seen: string[] = [];
      await withEngine(
        {
          allowRequest: (req) => {
            seen.push(new URL(req.url).searchParams.get("transport")!);
            return allowRequest();
          },
        },
        mount,
        async (h) => {
          const { open } = await openPolling(h);
          assert.equal(typeof open.sid, "string");
          assert.deepEqual(seen, ["polling"]);
        },
      );
    }
  });

  test(`${mount}: an unsupported protocol version answers 400 with code 5`, async () => {
    await withEngine({}, mount, async (h) => {
      const errors = collectErrors(h);
      for (const query of ["EIO=3&", "", "EIO=abc&"]) {
        const res = await fetch(h.eio(`${query}transport=polling`));
        await assertRefusal(res, 400, 5, "Unsupported protocol version");
      }
      assert.deepEqual(errors.map((e) => [e.code, e.message, e.context.protocol]), [
        [5, "Unsupported protocol version", 3],
        [5, "Unsupported protocol version", 3],
        [5, "Unsupported protocol version", 3],
      ]);
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: a failing generateId answers 400 with code 3`, async () => {
    const generateId = () => Promise.reject(new Error("nope"));
    await withEngine({ generateId }, mount, async (h) => {
      const errors = collectErrors(h);
      await assertRefusal(await fetch(h.eio("EIO=4&transport=polling")), 400, 3, "Bad request");
      assert.equal(errors[0].context.name, "ID_GENERATION_ERROR");
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: refused WebSocket handshakes answer 400 and open no session`, async () => {
    const allowRequest = (req: Request) => new URL(req.url).searchParams.get("deny") === null;
    await withEngine({ allowRequest }, mount, async (h) => {
      const errors = collectErrors(h);
      const cases: [string, number, string][] = [
        ["EIO=4&transport=tobi", 0, "Transport unknown"],
        ["EIO=4", 0, "Transport unknown"],
        ["transport=websocket", 5, "Unsupported protocol version"],
        ["EIO=abc&transport=websocket", 5, "Unsupported protocol version"],
        ["EIO=4&transport=websocket&sid=nope", 1, "Session ID unknown"],
        ["EIO=4&transport=websocket&deny=1", 4, "Forbidden"],
        ["EIO=4&transport=polling", 3, "Bad request"],
      ];
      for (const [query, code, message] of cases) {
        const res = await within(rawUpgrade(h.ws(query)), `the answer to ${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.text(), message, query);
        assert.equal(errors.at(-1)?.code, code, query);
      }
      assert.equal(errors.length, cases.length);
      // A WebSocket client sees the handshake fail (the suite waits for "close").
      for (const query of ["transport=websocket", "EIO=4&transport=abc", "EIO=4"]) {
        const client = openWebSocket(h.ws(query));
        assert.equal(await within(client.opened, `a refused ${query}`), false);
      }
      assert.equal(h.engine.clientsCount, 0);
    });
  });
}
