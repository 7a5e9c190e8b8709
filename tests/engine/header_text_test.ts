/** Handshake headers kept as text round-trip to the same Headers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { packHeaders, unpackHeaders } from "../../src/engine/_header_text.ts";

test("header text: headers round-trip, colons in values and empty values included", () => {
  const headers = new Headers([
    ["Host", "example.com:8080"],
    ["X-Empty", ""],
    ["Accept", "a/b, c/d"],
    ["Cookie", "io=abc; x=1:2"],
    ["X-Multi", "one"],
    ["X-Multi", "two"],
  ]);
  const copy = unpackHeaders(packHeaders(headers));
  assert.deepEqual([...copy], [...headers]);
  assert.equal(copy.get("host"), "example.com:8080");
  assert.equal(copy.get("x-empty"), "");
  assert.deepEqual([...unpackHeaders(packHeaders(new Headers()))], []);
});
