/**
 * CORS, as the official server does it through the `cors` package:
 * preflights allowed and refused for every form of the `origin` option,
 * and the headers on polling answers, POST answers and error answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import type { CorsOptions } from "../../src/engine/cors.ts";
import { mounts } from "../_fixtures/serve.ts";
import { type Harness, withEngine, within } from "../_fixtures/engine_http.ts";

const GOOD = "http://good-domain.com";
const BAD = "http://bad-domain.com";

function preflight(h: Harness, origin?: string, headers: Record<string, string> = {}) {
  return fetch(h.eio("EIO=4&transport=polling"), {
    method: "OPTIONS",
    headers: origin ? { origin, ...headers } : headers,
  });
}

/** The CORS headers of an answer, body discarded. */
async function corsOf(res: Response): Promise<Record<string, string | null>> {
  await res.body?.cancel();
  const h = res.headers;
  return {
    origin: h.get("access-control-allow-origin"),
    credentials: h.get("access-control-allow-credentials"),
    methods: h.get("access-control-allow-methods"),
    headers: h.get("access-control-allow-headers"),
    exposed: h.get("access-control-expose-headers"),
    maxAge: h.get("access-control-max-age"),
    vary: h.get("vary"),
  };
}

const NONE = {
  origin: null,
  credentials: null,
  methods: null,
  headers: null,
  exposed: null,
  maxAge: null,
  vary: null,
};

for (const mount of mounts) {
  test(`${mount}: a preflight from an allowed origin is answered 204 (origin: true)`, async () => {
    const cors = { origin: true, headers: ["my-header"], credentials: true };
    await withEngine({ cors }, mount, async (h) => {
      const res = await preflight(h, "http://engine.io");
      assert.equal(res.status, 204);
      assert.deepEqual(await corsOf(res), {
        ...NONE,
        origin: "http://engine.io",
        credentials: "true",
        methods: "GET,HEAD,PUT,PATCH,POST,DELETE",
        headers: "my-header",
        vary: "Origin",
      });
      assert.equal(h.engine.clientsCount, 0);
    });
  });

  test(`${mount}: an actual request from an allowed origin carries CORS headers, not preflight ones`, async () => {
    const cors = { origin: true, headers: ["my-header"], credentials: true };
    await withEngine({ cors }, mount, async (h) => {
      const res = await fetch(h.eio("EIO=4&transport=polling"), {
        headers: { origin: "http://engine.io" },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await corsOf(res), {
        ...NONE,
        origin: "http://engine.io",
        credentials: "true",
        vary: "Origin",
      });
    });
  });

  test(`${mount}: a preflight from a foreign origin gets no Access-Control-Allow-Origin`, async () => {
    const refusing: CorsOptions["origin"][] = [
      [GOOD],
      /^http:\/\/good-/,
      () => [GOOD],
      () => Promise.resolve(/^http:\/\/good-/),
    ];
    for (const origin of refusing) {
      await withEngine({ cors: { origin } }, mount, async (h) => {
        const res = await preflight(h, BAD);
        assert.equal(res.status, 204);
        const headers = await corsOf(res);
        assert.equal(headers.origin, null);
        assert.equal(headers.credentials, null);
        assert.equal(headers.vary, "Origin, Access-Control-Request-Headers");

        const allowed = await preflight(h, GOOD);
        assert.equal(allowed.status, 204);
        assert.equal((await corsOf(allowed)).origin, GOOD);
      });
    }
  });

  test(`${mount}: the CORS options are applied as the cors package does`, async () => {
    const cors = {
      origin: GOOD,
      methods: ["GET", "PUT", "POST"],
      allowedHeaders: ["my-header"],
      exposedHeaders: ["my-exposed-header"],
      credentials: true,
      maxAge: 123,
      optionsSuccessStatus: 200,
    };
    await withEngine({ cors }, mount, async (h) => {
      const res = await preflight(h, GOOD);
      assert.equal(res.status, 200);
      assert.deepEqual(await corsOf(res), {
        origin: GOOD,
        credentials: "true",
        methods: "GET,PUT,POST",
        headers: "my-header",
        exposed: "my-exposed-header",
        maxAge: "123",
        vary: "Origin",
      });
      const get = await fetch(h.eio("EIO=4&transport=polling"), { headers: { origin: GOOD } });
      assert.deepEqual(await corsOf(get), {
        ...NONE,
        origin: GOOD,
        credentials: "true",
        exposed: "my-exposed-header",
        vary: "Origin",
      });
    });
  });

  test(`${mount}: the default origin is "*" and requested headers are reflected`, async () => {
    await withEngine({ cors: {} }, mount, async (h) => {
      const res = await preflight(h, BAD, { "access-control-request-headers": "x-a,x-b" });
      assert.equal(res.status, 204);
      assert.deepEqual(await corsOf(res), {
        ...NONE,
        origin: "*",
        methods: "GET,HEAD,PUT,PATCH,POST,DELETE",
        headers: "x-a,x-b",
        vary: "Access-Control-Request-Headers",
      });
      const get = await fetch(h.eio("EIO=4&transport=polling"));
      assert.equal((await corsOf(get)).origin, "*");
    });
  });

  test(`${mount}: an origin function may allow (sync and async)`, async () => {
    for (
      const origin of [
        (o?: string) => o === GOOD,
        (o?: string) => Promise.resolve(o === GOOD && GOOD),
      ]
    ) {
      await withEngine({ cors: { origin } }, mount, async (h) => {
        const res = await preflight(h, GOOD);
        assert.equal(res.status, 204);
        assert.equal((await corsOf(res)).origin, GOOD);
      });
    }
  });

  test(`${mount}: an origin decided false turns CORS off for that request`, async () => {
    for (const origin of [false, () => false, async () => await Promise.resolve(false)]) {
      await withEngine({ cors: { origin, credentials: true } }, mount, async (h) => {
        // No CORS answer: the preflight reaches the protocol, which refuses it.
        const res = await preflight(h, BAD);
        assert.equal(res.status, 400);
        assert.deepEqual(await res.json(), { code: 2, message: "Bad handshake method" });
        assert.equal(res.headers.get("access-control-allow-origin"), null);
        const get = await fetch(h.eio("EIO=4&transport=polling"), { headers: { origin: BAD } });
        assert.equal(get.status, 200);
        assert.deepEqual(await corsOf(get), NONE);
      });
    }
  });

  test(`${mount}: GET, POST and error answers all carry the CORS headers`, async () => {
    const cors = { origin: [GOOD], credentials: true };
    const allowRequest = (req: Request) =>
      new URL(req.url).searchParams.get("deny") === null || "Denied";
    await withEngine({ cors, allowRequest, maxHttpBufferSize: 1000 }, mount, async (h) => {
      const init = { headers: { origin: GOOD } };
      const expected = { ...NONE, origin: GOOD, credentials: "true", vary: "Origin" };
      const handshake = await fetch(h.eio("EIO=4&transport=polling"), init);
      const sid = JSON.parse((await handshake.clone().text()).slice(1)).sid;
      assert.deepEqual(await corsOf(handshake), expected);

      const url = h.eio(`EIO=4&transport=polling&sid=${sid}`);
      const posted = await fetch(url, { method: "POST", body: "4hi", ...init });
      assert.equal(posted.status, 200);
      assert.deepEqual(await corsOf(posted), expected);
      h.engine.clients.get(sid)!.send("back");
      const polled = await fetch(url, init);
      assert.equal(await polled.clone().text(), "4back");
      assert.deepEqual(await corsOf(polled), expected);

      const refusals: [string, RequestInit, number][] = [
        [h.eio("EIO=4&transport=tobi"), init, 400],
        [h.eio("EIO=4&transport=polling&sid=nope"), init, 400],
        [h.eio("EIO=4&transport=websocket"), init, 400], // TRANSPORT_HANDSHAKE_ERROR
        [h.eio("EIO=3&transport=polling"), init, 400],
        [h.eio("EIO=4&transport=polling&deny=1"), init, 403],
        [h.eio("EIO=4&transport=polling"), { method: "POST", ...init }, 400],
      ];
      for (const [target, requestInit, status] of refusals) {
        const res = await fetch(target, requestInit);
        assert.equal(res.status, status, target);
        assert.deepEqual(await corsOf(res), expected, target);
      }
      const denied = await fetch(h.eio("EIO=4&transport=polling&deny=1"), init);
      assert.deepEqual(await denied.json(), { code: 4, message: "Denied" });

      // 400 and 413 of the polling transport too.
      const big = await fetch(url, { method: "POST", body: "4" + "x".repeat(2000), ...init });
      assert.equal(big.status, 413);
      assert.deepEqual(await corsOf(big), expected);
    });
  });

  test(`${mount}: the official client works with CORS enabled`, async () => {
    await withEngine({ cors: { origin: true, credentials: true } }, mount, async (h) => {
      h.engine.on("connection", (session) => {
        session.on("message", (msg) => {
          if (msg === "hey") session.send("holà");
        });
      });
      const socket = new Socket(h.url, { transports: ["polling"] });
      h.defer(() => socket.close());
      const reply = await within(
        new Promise((resolve, reject) => {
          socket.on("error", reject);
          socket.on("open", () => socket.send("hey"));
          socket.on("message", resolve);
        }),
        "the reply",
      );
      assert.equal(reply, "holà");
    });
  });
}
