import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { Server } from "../../src/server.ts";
import type { ServerOptions } from "../../src/io/server_options.ts";
import type { RequestHandlerHost } from "../../src/runtime/handler.ts";
import { clientFileResponder, etagMatches, serveClientFile } from "../../src/io/serve_client.ts";
import { CLIENT_FILES, CLIENT_VERSION } from "../../src/client_dist/manifest.ts";
import { computeEtag } from "../../scripts/vendor_client.ts";
import { mounts, serve } from "../_fixtures/serve.ts";

const dist = new URL("../../node_modules/socket.io-client/dist/", import.meta.url);
const names = Object.keys(CLIENT_FILES);
const encoder = new TextEncoder();

function distBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dist)));
}

/** A webio Server answering client files first, as server.ts will once wired. */
function clientServingHost(options: ServerOptions = {}): { io: Server; host: RequestHandlerHost } {
  const io = new Server(options);
  const clientFiles = clientFileResponder(io.opts);
  const host: RequestHandlerHost = {
    handleRequest: (request, info) => clientFiles?.(request) ?? io.handleRequest(request, info),
    longestPollMs: io.longestPollMs,
    maxMessageBytes: io.maxMessageBytes,
  };
  return { io, host };
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

test("vendored client builds equal node_modules' dist files byte for byte", async () => {
  const pkg = JSON.parse(
    readFileSync(new URL("../package.json", dist), "utf8"),
  ) as { version: string };
  assert.equal(CLIENT_VERSION, pkg.version, "re-run `deno task vendor:client`");
  for (const name of names) {
    const file = await CLIENT_FILES[name]();
    const expected = distBytes(name);
    assert.equal(file.name, name);
    assert.deepEqual(encoder.encode(file.body), expected, `${name}: re-run vendor:client`);
    assert.equal(file.etag, await computeEtag(CLIENT_VERSION, expected));
  }
  // Every build is vendored, the msgpack one included (as the official server serves it).
  const wanted = readdirSync(dist).sort();
  assert.deepEqual([...names].sort(), wanted);
});

test("etagMatches compares weakly and reads lists and *", () => {
  const tag = 'W/"4.8.4-abc"';
  assert.equal(etagMatches(null, tag), false);
  assert.equal(etagMatches('"4.8.4-abc"', tag), true);
  assert.equal(etagMatches('W/"4.8.4-abc"', tag), true);
  assert.equal(etagMatches('"x", W/"4.8.4-abc"', tag), true);
  assert.equal(etagMatches("*", tag), true);
  assert.equal(etagMatches('"4.8.4-abd"', tag), false);
});

test("serveClientFile gzips when accepted and leaves other URLs alone", async () => {
  const request = new Request("http://localhost/socket.io/socket.io.min.js", {
    headers: { "accept-encoding": "gzip" },
  });
  const response = await serveClientFile(request);
  assert.ok(response);
  assert.equal(response.headers.get("content-encoding"), "gzip");
  const body = await gunzip(new Uint8Array(await response.arrayBuffer()));
  assert.deepEqual(body, distBytes("socket.io.min.js"));

  const other = ["/socket.io/?EIO=4&transport=polling", "/socket.io/app.js", "/x/socket.io.js"];
  for (const path of other) {
    assert.equal(await serveClientFile(new Request("http://localhost" + path)), undefined, path);
  }
});

test("clientFileResponder is absent with serveClient: false and follows a custom path", async () => {
  assert.equal(clientFileResponder({ serveClient: false }), undefined);
  const responder = clientFileResponder({ path: "/rt/" })!;
  assert.equal(responder(new Request("http://localhost/socket.io/socket.io.js")), undefined);
  const response = await responder(new Request("http://localhost/rt/socket.io.js"));
  assert.equal(response?.status, 200);
  await response?.body?.cancel();
});

for (const mount of mounts) {
  test(`serveClient ${mount}: every build with its type, cache headers, ETag and 304`, async () => {
    const { io, host } = clientServingHost();
    const server = serve(host, mount);
    try {
      for (const name of names) {
        const url = `${server.url}/socket.io/${name}`;
        const type = name.endsWith(".map") ? "application/json" : "application/javascript";

        const plain = await fetch(url, { headers: { "accept-encoding": "identity" } });
        assert.equal(plain.status, 200, name);
        assert.equal(plain.headers.get("content-type"), `${type}; charset=utf-8`);
        assert.equal(plain.headers.get("cache-control"), "public, max-age=0");
        assert.equal(plain.headers.get("content-encoding"), null);
        const etag = plain.headers.get("etag");
        assert.equal(etag, (await CLIENT_FILES[name]()).etag);
        assert.deepEqual(new Uint8Array(await plain.arrayBuffer()), distBytes(name));

        // The runtime's fetch asks for compression and decodes it.
        const packed = await fetch(url);
        assert.equal(packed.status, 200);
        assert.deepEqual(new Uint8Array(await packed.arrayBuffer()), distBytes(name));

        for (const ifNoneMatch of [etag!, etag!.slice(2), `"other", ${etag}`]) {
          const revalidated = await fetch(url, { headers: { "if-none-match": ifNoneMatch } });
          assert.equal(revalidated.status, 304, ifNoneMatch);
          assert.equal(revalidated.headers.get("etag"), etag);
          assert.equal(await revalidated.text(), "");
        }
        const changed = await fetch(url, { headers: { "if-none-match": '"stale"' } });
        assert.equal(changed.status, 200);
        await changed.body?.cancel();

        const head = await fetch(url, {
          method: "HEAD",
          headers: { "accept-encoding": "identity" },
        });
        assert.equal(head.status, 200);
        assert.equal(head.headers.get("etag"), etag);
        assert.equal(head.headers.get("content-type"), `${type}; charset=utf-8`);
        assert.equal(head.headers.get("content-length"), String(distBytes(name).length));
        assert.equal(await head.text(), "");
      }
    } finally {
      await io.close();
      await server.shutdown();
    }
  });

  test(`serveClient ${mount}: unknown client names get 404, other methods 405`, async () => {
    const { io, host } = clientServingHost();
    const server = serve(host, mount);
    try {
      for (const name of ["socket.io.msgpack.js", "socket.io.esm.js", "socket.io.js.map.map"]) {
        const response = await fetch(`${server.url}/socket.io/${name}`);
        // socket.io.js.map.map is no client name at all: the engine refuses it.
        assert.equal(response.status, name.endsWith(".map.map") ? 400 : 404, name);
        await response.body?.cancel();
      }
      const post = await fetch(`${server.url}/socket.io/socket.io.js`, { method: "POST" });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
      await post.body?.cancel();
    } finally {
      await io.close();
      await server.shutdown();
    }
  });

  test(`serveClient ${mount}: false leaves the client URL to the engine`, async () => {
    const { io, host } = clientServingHost({ serveClient: false });
    const server = serve(host, mount);
    try {
      const response = await fetch(`${server.url}/socket.io/socket.io.js`);
      assert.equal(response.status, 400); // "Transport unknown", as the official server
      assert.deepEqual(await response.json(), { code: 0, message: "Transport unknown" });
    } finally {
      await io.close();
      await server.shutdown();
    }
  });
}

test(
  "io.handleRequest serves the client unless serveClient is false",
  async () => {
    const url = "http://localhost/socket.io/socket.io.min.js";
    const io = new Server();
    const off = new Server({ serveClient: false });
    try {
      const served = await io.handleRequest(new Request(url));
      assert.equal(served.status, 200);
      assert.equal(served.headers.get("etag"), (await CLIENT_FILES["socket.io.min.js"]()).etag);
      await served.body?.cancel();
      const refused = await off.handleRequest(new Request(url));
      assert.equal(refused.status, 400);
      await refused.body?.cancel();
    } finally {
      await io.close();
      await off.close();
    }
  },
);
