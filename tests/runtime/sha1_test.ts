import { test } from "node:test";
import assert from "node:assert/strict";
import { sha1 } from "../../src/runtime/_sha1.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

test("sha1 matches the FIPS 180 vectors", () => {
  const text = new TextEncoder();
  assert.equal(hex(sha1(text.encode(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(hex(sha1(text.encode("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(
    hex(sha1(text.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
});

test("sha1 agrees with crypto.subtle at every length around the block boundaries", async () => {
  for (let length = 0; length < 200; length++) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-1", data));
    assert.equal(hex(sha1(data)), hex(expected), `length ${length}`);
  }
});
