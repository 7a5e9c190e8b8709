import { test } from "node:test";
import assert from "node:assert/strict";
import {
  headEnd,
  HttpError,
  MAX_HEAD_BYTES,
  parseRequestHead,
  responseHead,
} from "../../src/runtime/_http1.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function refusal(head: string): number {
  try {
    parseRequestHead(bytes(head));
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error.status;
  }
  return 0;
}

test("http1: a request head is parsed with its framing and keep-alive", () => {
  const head = parseRequestHead(
    bytes("POST /socket.io/?EIO=4 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n"),
  );
  assert.equal(head.method, "POST");
  assert.equal(head.target, "/socket.io/?EIO=4");
  assert.deepEqual(head.body, { kind: "length", length: 2 });
  assert.equal(head.keepAlive, true);
  assert.equal(head.upgrade, false);
  assert.equal(head.host, "a");
  assert.deepEqual(head.headers, [["Host", "a"], ["Content-Length", "2"]]);
  const close = parseRequestHead(bytes("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  assert.equal(close.keepAlive, false);
  const old = parseRequestHead(bytes("GET / HTTP/1.0\r\n\r\n"));
  assert.equal(old.keepAlive, false);
  const upgrade = parseRequestHead(
    bytes("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n"),
  );
  assert.equal(upgrade.upgrade, true);
  assert.deepEqual(
    parseRequestHead(bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).body,
    { kind: "chunked" },
  );
});

test("http1: ambiguous or malformed heads are refused with their status", () => {
  const cases: [string, string, number][] = [
    [
      "both lengths",
      "POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
      400,
    ],
    ["two lengths", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", 400],
    ["signed length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    ["other coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["folded header", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400],
    ["space in name", "GET / HTTP/1.1\r\nA b: c\r\n\r\n", 400],
    ["bad request line", "GET /\r\n\r\n", 400],
    ["bad method", "G(T / HTTP/1.1\r\n\r\n", 400],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\n", 505],
    ["too many headers", "GET / HTTP/1.1\r\n" + "A: b\r\n".repeat(101) + "\r\n", 431],
  ];
  for (const [name, head, status] of cases) assert.equal(refusal(head), status, name);
});

test("http1: the end of a head is found, and a head past the limit is refused", () => {
  assert.equal(headEnd(bytes("GET / HTTP/1.1\r\n\r\nrest")), 18);
  assert.equal(headEnd(bytes("GET / HTTP/1.1\r\nA: b\r\n")), -1);
  assert.throws(
    () => headEnd(new Uint8Array(MAX_HEAD_BYTES)),
    (e) => (e as HttpError).status === 431,
  );
});

test("http1: an answer's head carries cookies one per line and no duplicate framing", () => {
  const headers = new Headers({ "content-length": "9", connection: "x", "x-a": "1" });
  headers.append("set-cookie", "a=1");
  headers.append("set-cookie", "b=2");
  assert.equal(
    responseHead(200, headers, "Content-Length: 2", false),
    "HTTP/1.1 200 OK\r\nx-a: 1\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n" +
      "Content-Length: 2\r\nConnection: close\r\n\r\n",
  );
});
