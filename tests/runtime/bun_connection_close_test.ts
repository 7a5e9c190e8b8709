/**
 * Bun closes the connection of a `Connection: close` request without saying
 * so; the Bun binding (native and under Hono) puts `Connection: close` on the
 * response. Run on a fake Bun server, so on every runtime; the end-to-end
 * proof with a keep-alive Node client is `engine_node_clients_test.ts`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bunHandler, type BunServer, withConnectionClose } from "../../src/runtime/bun.ts";
import { honoHandler } from "../../src/runtime/hono.ts";
import type { RequestHandlerHost } from "../../src/runtime/handler.ts";

const fakeBun: BunServer = {
  upgrade: () => false,
};

/** A host that answers every request with a fresh 400. */
const host: RequestHandlerHost = {
  handleRequest: () => Promise.resolve(new Response("bad request", { status: 400 })),
};

function request(connection?: string): Request {
  const headers: Record<string, string> = connection === undefined ? {} : { connection };
  return new Request("http://127.0.0.1/socket.io/?EIO=abc&transport=polling", { headers });
}

test("bun binding: a Connection: close request gets Connection: close", async () => {
  const response = await bunHandler(host).fetch(request("close"), fakeBun);
  assert.equal(response?.status, 400);
  assert.equal(response?.headers.get("connection"), "close");
  assert.equal(await response?.text(), "bad request");
});

test("bun binding: close is found among other connection options, in any case", async () => {
  const response = await bunHandler(host).fetch(request("TE, Close"), fakeBun);
  assert.equal(response?.headers.get("connection"), "close");
});

test("bun binding: a keep-alive request's response gets no Connection header", async () => {
  for (const connection of [undefined, "keep-alive", "closed"]) {
    const response = await bunHandler(host).fetch(request(connection), fakeBun);
    assert.equal(response?.headers.get("connection"), null, String(connection));
  }
});

test("bun binding: a response with immutable headers is answered with a copy", () => {
  const redirect = Response.redirect("http://127.0.0.1/elsewhere", 302);
  const response = withConnectionClose(request("close"), redirect);
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("location"), "http://127.0.0.1/elsewhere");
  assert.equal(response.headers.get("connection"), "close");
});

test("hono binding under Bun: a Connection: close request gets Connection: close", async () => {
  const { handler } = honoHandler(host);
  const response = await handler({ req: { raw: request("close") }, env: fakeBun });
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("connection"), "close");
});
