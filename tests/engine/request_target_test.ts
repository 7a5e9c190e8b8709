/**
 * The engine reads a request's path and query by hand when the URL is
 * plain, and must agree with `URL` and `URLSearchParams` on every URL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { requestTarget } from "../../src/engine/_request_target.ts";

const URLS = [
  "http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling",
  "http://127.0.0.1:3000/socket.io/?EIO=4&transport=polling&sid=aB-_c9",
  "http://localhost/socket.io/?EIO=4&transport=websocket&sid=x&t=PqW3&b64=1",
  "http://a/socket.io/",
  "http://a/socket.io",
  "http://a/socket.io/?",
  "http://a/socket.io/?#frag",
  "http://a/socket.io/?transport=polling#frag",
  "http://a/socket.io/?transport=&sid",
  "http://a/socket.io/?transport=a=b&transport=second",
  "http://a/socket.io/?&&transport=x&",
  "http://a/socket.io/?Transport=x",
  "http://a/socket.io/?transportx=1&transport=2",
  "http://a/socket.io/?sid=a%20b&transport=x+y",
  "http://a/socket.io/?sid=%ZZ&transport=%E2%82%AC",
  "http://a/socket.io/?sid='quoted'",
  "http://a/socket.io/?sid=a b",
  "http://a/socket.io/?sid=é",
  "http://a/x/../socket.io/?transport=polling",
  "http://a/./socket.io/?transport=polling",
  "http://a/socket.io/%2e%2e/?transport=polling",
  "http://a/socket%2Eio/?transport=polling",
  "http://a/socket.io\\x?transport=polling",
  "http://a/socket.io/é?transport=polling",
  "http://a/socket.io/a b?transport=polling",
  "http://a/so{c}ket.io/?transport=polling",
  "http://a:8080/socket.io/?EIO=3",
  "https://user:pw@a.example/socket.io/?EIO=4",
  "http://a?transport=polling",
  "http://a",
];

test("request target: path, search and every parameter as URL reads them", () => {
  for (const url of URLS) {
    const expected = new URL(url);
    const target = requestTarget(url);
    assert.equal(target.pathname, expected.pathname, `pathname of ${url}`);
    assert.equal(target.search, expected.search, `search of ${url}`);
    for (const name of ["EIO", "transport", "sid", "t", "b64", "Transport", "", "missing"]) {
      assert.equal(target.get(name), expected.searchParams.get(name), `${name} of ${url}`);
    }
  }
});
