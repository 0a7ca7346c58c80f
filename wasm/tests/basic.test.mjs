// Node tests of the wasm package (built by scripts/test-all into wasm/pkg/node).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const certpack = require("../pkg/node/certpack_wasm.js");
const td = new URL("../../testdata/", import.meta.url);
const read = (p) => readFileSync(new URL(p, td));

test("PEM certificate to DER equals openssl's bytes", () => {
  const der = certpack.convertOne("client.crt.pem", read("vectors/der/p256/client.crt.pem"), "der");
  assert.deepEqual(Buffer.from(der), read("vectors/der/p256/client.crt.der"));
});

test("a JPEG gets a typed error with kind and hint", () => {
  assert.throws(() => certpack.convertOne("x.jpg", new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), "der"), (e) => {
    assert.equal(e.kind, "unknown-format");
    assert.match(e.hint, /pem/);
    return true;
  });
});
