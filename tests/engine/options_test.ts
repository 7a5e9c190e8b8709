/**
 * The handshake and the server options that shape it: the open packet over
 * polling and WebSocket, `initialPacket`, `generateId`, `cookie`, the
 * `initial_headers` and `headers` hooks, `httpCompression`, and the plain
 * message exchanges of the official compliance suite.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Socket } from "engine.io-client";
import { mounts } from "../_fixtures/serve.ts";
import { rawRequest, rawUpgrade } from "../_fixtures/raw_http.ts";
import { RawWebSocket } from "../_fixtures/raw_ws.ts";
import {
  echo,
  type Harness,
  openPolling,
  openWebSocket,
  poll,
  post,
  withEngine,
  within,
} from "../_fixtures/engine_http.ts";
import { pickEncoding } from "../../src/engine/compression.ts";
import { generateId } from "../../src/_internal/ids.ts";

const OPEN_KEYS = ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"];

async function decompress(body: Uint8Array, encoding: CompressionFormat): Promise<string> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream(encoding));
  return await new Response(stream).text();
}

/** Opens a polling session and queues `data` for its next poll; returns the sid. */
async function sessionWithQueued(h: Harness, data: string | Uint8Array): Promise<string> {
  const { sid, session } = await openPolling(h);
  session.send(data);
  return sid;
}

for (const mount of mounts) {
  test(`${mount}: the polling handshake sends the open packet`, async () => {
    await withEngine({ pingInterval: 300, pingTimeout: 200 }, mount, async (h) => {
      const res = await fetch(h.eio("EIO=4&transport=polling"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
      assert.equal(res.headers.get("cache-control"), "no-store");
      const text = await res.text();
      assert.equal(text[0], "0");
      const open = JSON.parse(text.slice(1));
      assert.deepEqual(Object.keys(open).sort(), OPEN_KEYS);
      assert.equal(typeof open.sid, "string");
      assert.deepEqual(open.upgrades, ["websocket"]);
      assert.equal(open.pingInterval, 300);
      assert.equal(open.pingTimeout, 200);
      assert.equal(open.maxPayload, 1000000);
      assert.ok(h.engine.clients.has(open.sid));
      assert.equal(h.engine.clientsCount, 1);
    });
  });

  test(`${mount}: the open packet offers no upgrade when none is possible`, async () => {
    for (const options of [{ transports: ["polling" as const] }, { allowUpgrades: false }]) {
      await withEngine(options, mount, async (h) => {
        const { open } = await openPolling(h);
        assert.deepEqual(open.upgrades, []);
      });
    }
  });

  test(`${mount}: the WebSocket handshake sends the open packet without upgrades`, async () => {
    await withEngine(
      { pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 5000 },
      mount,
      async (h) => {
        const client = openWebSocket(h.ws("EIO=4&transport=websocket"));
        h.defer(() => client.ws.close());
        const data = await within(client.next(), "the open packet");
        assert.equal(typeof data, "string");
        assert.equal((data as string)[0], "0");
        const open = JSON.parse((data as string).slice(1));
        assert.deepEqual(Object.keys(open).sort(), OPEN_KEYS);
        assert.deepEqual(open.upgrades, []);
        assert.equal(open.pingInterval, 300);
        assert.equal(open.pingTimeout, 200);
        assert.equal(open.maxPayload, 5000);
        assert.equal(h.engine.clients.get(open.sid)?.transport.name, "websocket");
      },
    );
  });

  test(`${mount}: initialPacket follows the open packet`, async () => {
    await withEngine({ initialPacket: "faster!" }, mount, async (h) => {
      const { text } = await openPolling(h);
      assert.equal(text.split("\x1e")[1], "4faster!");
      const client = openWebSocket(h.ws("EIO=4&transport=websocket"));
      h.defer(() => client.ws.close());
      await within(client.next(), "the open packet");
      assert.equal(await within(client.next(), "the initial packet"), "4faster!");
    });
    await withEngine({ initialPacket: new Uint8Array([1, 2, 3]) }, mount, async (h) => {
      const { text } = await openPolling(h);
      assert.equal(text.split("\x1e")[1], "bAQID");
      const client = openWebSocket(h.ws("EIO=4&transport=websocket"));
      h.defer(() => client.ws.close());
      await within(client.next(), "the open packet");
      const binary = await within(client.next(), "the initial packet");
      assert.deepEqual(new Uint8Array(binary as ArrayBuffer), new Uint8Array([1, 2, 3]));
    });
  });

  test(`${mount}: generateId names the session (sync and async)`, async () => {
    let n = 0;
    const generators = [
      (req: Request) => `custom-${++n}-${new URL(req.url).searchParams.get("transport")}`,
      () => Promise.resolve(`async-${++n}`),
    ];
    for (const generateId of generators) {
      await withEngine({ generateId }, mount, async (h) => {
        const { sid, session } = await openPolling(h);
        assert.match(sid, /^(custom-\d+-polling|async-\d+)$/);
        assert.equal(session.id, sid);
        const socket = new Socket(h.url, { transports: ["websocket"] });
        h.defer(() => socket.close());
        await within(new Promise<void>((resolve) => socket.on("open", resolve)), "a client");
        assert.equal(h.engine.clients.get(socket.id!)?.id, socket.id);
        assert.notEqual(socket.id, sid);
      });
    }
  });

  test(`${mount}: cookie sets the io cookie on the polling handshake with the official defaults`, async () => {
    const cases: [unknown, (sid: string) => string][] = [
      [true, (sid) => `io=${sid}; Path=/; HttpOnly; SameSite=Lax`],
      [{ name: "woot" }, (sid) => `woot=${sid}; Path=/; HttpOnly; SameSite=Lax`],
      [{ path: "/custom" }, (sid) => `io=${sid}; Path=/custom; HttpOnly; SameSite=Lax`],
      [{ path: false }, (sid) => `io=${sid}; SameSite=Lax`],
      [{ httpOnly: false }, (sid) => `io=${sid}; Path=/; SameSite=Lax`],
      [{ sameSite: "strict" }, (sid) => `io=${sid}; Path=/; HttpOnly; SameSite=Strict`],
      [
        { maxAge: 60, secure: true, domain: "example.com" },
        (sid) =>
          `io=${sid}; Max-Age=60; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax`,
      ],
    ];
    for (const [cookie, expected] of cases) {
      await withEngine({ cookie: cookie as true }, mount, async (h) => {
        const res = await fetch(h.eio("EIO=4&transport=polling"));
        const sid = JSON.parse((await res.text()).slice(1)).sid;
        assert.deepEqual(res.headers.getSetCookie(), [expected(sid)]);
        // Only the handshake carries it.
        const ok = await post(h, sid, "4x");
        assert.equal(await ok.text(), "ok");
        assert.deepEqual(ok.headers.getSetCookie(), []);
        const upgrade = await rawUpgrade(h.ws("EIO=4&transport=websocket"));
        assert.equal(upgrade.status, 101);
        assert.deepEqual(upgrade.headerAll("set-cookie"), []);
      });
    }
    await withEngine({}, mount, async (h) => {
      const res = await fetch(h.eio("EIO=4&transport=polling"));
      await res.text();
      assert.deepEqual(res.headers.getSetCookie(), []);
    });
  });

  test(`${mount}: initial_headers and headers edit the polling answers`, async () => {
    await withEngine({ cookie: true }, mount, async (h) => {
      const seen: string[] = [];
      h.engine.on("initial_headers", (headers, req) => {
        seen.push(`initial ${req.method}`);
        headers.set("test", "123");
        headers.append("set-cookie", "mycookie=456");
      });
      h.engine.on("headers", (headers, req) => {
        seen.push(`headers ${req.method}`);
        headers.set("x-every", "yes");
      });
      const res = await fetch(h.eio("EIO=4&transport=polling"));
      const sid = JSON.parse((await res.text()).slice(1)).sid;
      assert.equal(res.headers.get("test"), "123");
      assert.equal(res.headers.get("x-every"), "yes");
      const cookies = res.headers.getSetCookie();
      assert.equal(cookies.length, 2);
      assert.equal(cookies[0], `io=${sid}; Path=/; HttpOnly; SameSite=Lax`);
      assert.equal(cookies[1], "mycookie=456");

      const ok = await post(h, sid, "4x");
      assert.equal(await ok.text(), "ok");
      assert.equal(ok.headers.get("test"), null);
      assert.equal(ok.headers.get("x-every"), "yes");
      assert.deepEqual(ok.headers.getSetCookie(), []);
      h.engine.clients.get(sid)!.send("hi");
      const polled = await poll(h, sid);
      assert.equal(await polled.text(), "4hi");
      assert.equal(polled.headers.get("x-every"), "yes");
      assert.deepEqual(seen, ["initial GET", "headers GET", "headers POST", "headers GET"]);
    });
  });

  test(`${mount}: initial_headers and headers edit the WebSocket 101 answers`, async () => {
    await withEngine({ cookie: true }, mount, async (h) => {
      const seen: string[] = [];
      h.engine.on("initial_headers", (headers) => {
        seen.push("initial");
        headers.set("test", "123");
        headers.append("set-cookie", "mycookie=456");
      });
      h.engine.on("headers", (headers, req) => {
        seen.push(`headers ${new URL(req.url).searchParams.has("sid") ? "upgrade" : "handshake"}`);
        headers.set("x-every", "yes");
      });
      const res = await rawUpgrade(h.ws("EIO=4&transport=websocket"));
      assert.equal(res.status, 101);
      assert.equal(res.header("test"), "123");
      assert.equal(res.header("x-every"), "yes");
      assert.deepEqual(res.headerAll("set-cookie"), ["mycookie=456"]);

      seen.length = 0;
      const { sid } = await openPolling(h);
      const upgrade = await rawUpgrade(h.ws(`EIO=4&transport=websocket&sid=${sid}`));
      assert.equal(upgrade.status, 101);
      assert.equal(upgrade.header("test"), null);
      assert.equal(upgrade.header("x-every"), "yes");
      assert.deepEqual(seen, ["initial", "headers handshake", "headers upgrade"]);
    });
  });

  test(`${mount}: polling answers to old Internet Explorers carry X-XSS-Protection: 0`, async () => {
    await withEngine({}, mount, async (h) => {
      const ua = "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko";
      const res = await fetch(h.eio("EIO=4&transport=polling"), { headers: { "user-agent": ua } });
      await res.text();
      assert.equal(res.headers.get("x-xss-protection"), "0");
      const plain = await fetch(h.eio("EIO=4&transport=polling"));
      await plain.text();
      assert.equal(plain.headers.get("x-xss-protection"), null);
    });
  });

  test(`${mount}: httpCompression gzips and deflates poll answers from the threshold on`, async () => {
    await withEngine({ transports: ["polling"] }, mount, async (h) => {
      const bytes = new Uint8Array(1024).map((_, i) => i % 0xff);
      const expected = "b" + btoa(String.fromCharCode(...bytes));
      for (
        const [accept, encoding] of [["gzip, deflate", "gzip"], ["deflate", "deflate"]] as const
      ) {
        const sid = await sessionWithQueued(h, bytes);
        const res = await rawRequest(h.eio(`EIO=4&transport=polling&sid=${sid}`), {
          headers: { "accept-encoding": accept },
        });
        assert.equal(res.status, 200);
        assert.equal(res.header("content-encoding"), encoding);
        assert.ok(res.body.length < expected.length);
        assert.equal(await decompress(res.body, encoding), expected);
      }
      // Below the threshold, or not accepted: sent as is.
      for (const [data, accept] of [["x".repeat(100), "gzip"], ["y".repeat(2000), "br"]]) {
        const sid = await sessionWithQueued(h, data);
        const res = await rawRequest(h.eio(`EIO=4&transport=polling&sid=${sid}`), {
          headers: { "accept-encoding": accept },
        });
        assert.equal(res.header("content-encoding"), null);
        assert.equal(res.text(), "4" + data);
      }
    });
  });

  test(`${mount}: httpCompression honours its threshold and can be turned off`, async () => {
    await withEngine({ httpCompression: { threshold: 0 } }, mount, async (h) => {
      const sid = await sessionWithQueued(h, "tiny");
      const res = await rawRequest(h.eio(`EIO=4&transport=polling&sid=${sid}`), {
        headers: { "accept-encoding": "gzip" },
      });
      assert.equal(res.header("content-encoding"), "gzip");
      assert.equal(await decompress(res.body, "gzip"), "4tiny");
    });
    await withEngine({ httpCompression: false }, mount, async (h) => {
      const sid = await sessionWithQueued(h, "z".repeat(5000));
      const res = await rawRequest(h.eio(`EIO=4&transport=polling&sid=${sid}`), {
        headers: { "accept-encoding": "gzip, deflate" },
      });
      assert.equal(res.header("content-encoding"), null);
      assert.equal(res.text(), "4" + "z".repeat(5000));
    });
  });

  test(`${mount}: a POST answers 200 "ok" as text/html`, async () => {
    await withEngine({}, mount, async (h) => {
      const { sid } = await openPolling(h);
      const res = await post(h, sid, "4hello");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/html");
      assert.equal(await res.text(), "ok");
    });
  });

  test(`${mount}: polling carries text, batches and binary both ways (compliance suite)`, async () => {
    await withEngine({}, mount, async (h) => {
      echo(h.engine);
      for (const payload of ["4hello", "4test1\x1e4test2\x1e4test3", "4hello\x1ebAQIDBA=="]) {
        const { sid } = await openPolling(h);
        const res = await post(h, sid, payload);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), "ok");
        const polled = await poll(h, sid);
        assert.equal(polled.status, 200);
        assert.equal(await polled.text(), payload);
      }
    });
  });

  test(`${mount}: WebSocket carries text and binary packets (compliance suite)`, async () => {
    await withEngine({}, mount, async (h) => {
      echo(h.engine);
      const ws = await RawWebSocket.open(h.ws("EIO=4&transport=websocket"));
      h.defer(() => ws.destroy());
      assert.equal((await within(ws.nextText(), "the open packet"))![0], "0");
      ws.send("4hello");
      assert.equal(await within(ws.nextText(), "the text echo"), "4hello");
      ws.sendBinary(new Uint8Array([1, 2, 3, 4]));
      const frame = await within(ws.next(), "the binary echo");
      assert.equal(frame?.opcode, 2);
      assert.deepEqual(frame?.data, new Uint8Array([1, 2, 3, 4]));
    });
  });

  test(`${mount}: the path is served with and without its trailing slash`, async () => {
    await withEngine({ path: "/custom" }, mount, async (h) => {
      for (const path of ["/custom/", "/custom"]) {
        const res = await fetch(`${h.url}${path}?EIO=4&transport=polling`);
        assert.equal(res.status, 200, path);
        assert.equal((await res.text())[0], "0");
      }
      const other = await fetch(`${h.url}/engine.io/?EIO=4&transport=polling`);
      assert.equal(other.status, 404);
      await other.body?.cancel();
    });
  });
}

test("pickEncoding follows Accept-Encoding preferences", () => {
  assert.equal(pickEncoding("gzip, deflate, br"), "gzip");
  assert.equal(pickEncoding("deflate"), "deflate");
  assert.equal(pickEncoding("gzip;q=0, deflate"), "deflate");
  assert.equal(pickEncoding("gzip;q=0.5, deflate;q=0.8"), "deflate");
  assert.equal(pickEncoding("*"), "gzip");
  assert.equal(pickEncoding("br, identity"), undefined);
  assert.equal(pickEncoding("gzip;q=0"), undefined);
  assert.equal(pickEncoding(null), undefined);
});

test("the default generateId makes distinct 20-character url-safe ids", () => {
  // More ids than one batch of random bytes holds.
  const ids = new Set(Array.from({ length: 1000 }, () => generateId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{20}$/);
});
