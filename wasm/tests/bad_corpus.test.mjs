// The malformed-input corpus (testdata/bad/cases.tsv) through the wasm package, node and web builds: the same
// error kind as the Rust and Python runners, the file named, a fix given.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { TD, builds } from "./helpers.mjs";

const BAD = join(TD, "bad");
const cases = readFileSync(join(BAD, "cases.tsv"), "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#"))
  .slice(1)
  .map((l) => {
    const [file, kind, passphrase, why] = l.split("\t");
    return { file, kind, passphrase: passphrase || undefined, why };
  });

/** `@random:N`: N bytes of xorshift32 (testdata/bad/README.md). */
function generated(spec) {
  const n = Number(spec.split(":")[1]);
  const out = new Uint8Array(n);
  let x = 2463534242 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[i] = x & 0xff;
  }
  return out;
}

const bytesOf = (file) => (file.startsWith("@random:") ? generated(file) : new Uint8Array(readFileSync(join(BAD, file))));

test("the generator is the documented one", () => {
  assert.equal(Buffer.from(generated("@random:8")).toString("hex"), "637aa07ee1eaf23d");
  assert.ok(cases.length >= 40);
});

const { node, web } = await builds();
for (const [buildName, lib] of Object.entries({ node, web })) {
  for (const c of cases) {
    test(`${buildName}: ${c.file} gives ${c.kind}`, () => {
      assert.throws(
        () => lib.Bundle.load([{ name: c.file, bytes: bytesOf(c.file) }], c.passphrase),
        (e) => {
          assert.equal(e.name, "CertpackError", `${c.file}: ${e}`);
          assert.equal(e.kind, c.kind, `${c.file} (${c.why}): ${e.message}`);
          assert.equal(e.path, c.file);
          assert.ok(e.hint);
          return true;
        },
      );
    });
  }
}
