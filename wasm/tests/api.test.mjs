// The wasm API against the reference vectors and the sample bundles' known values; typed errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { builds, inputs, read } from "./helpers.mjs";

const { web: certpack } = await builds();
const one = (name, path) => certpack.Bundle.load([{ name, bytes: read(path) }]);

const VECTORS = [
  ["rsa2048/client.crt.pem", "der", false, "rsa2048/client.crt.der"],
  ["rsa2048/client.pkcs1.key.pem", "pkcs8", false, "rsa2048/client.pkcs8.key.der"],
  ["rsa2048/client.pkcs1.key.pem", "pkcs8", true, "rsa2048/client.pkcs8.key.pem"],
  ["rsa2048/client.pkcs1.key.pem", "spki", true, "rsa2048/client.spki.pub.pem"],
  ["rsa2048/client.pkcs8.key.der", "pkcs1", false, "rsa2048/client.pkcs1.key.der"],
  ["p256/client.crt.der", "pem", false, "p256/client.crt.pem"],
  ["p256/client.sec1.key.pem", "pkcs8", false, "p256/client.pkcs8.key.der"],
  ["p256/client.pkcs8.key.der", "sec1", false, "p256/client.sec1.key.der"],
];

for (const [source, form, pem, expected] of VECTORS) {
  test(`${source} to ${form}${pem ? " (PEM)" : ""} equals openssl's ${expected}`, () => {
    const out = one("in", `vectors/der/${source}`).convert(form, { pem });
    assert.equal(out.files.length, 1);
    assert.ok(Buffer.from(out.files[0].bytes).equals(read(`vectors/der/${expected}`)));
  });
}

test("encrypted PKCS#8 with the passphrase equals openssl's plain PKCS#8", () => {
  const b = certpack.Bundle.load([{ name: "k", bytes: read("vectors/der/rsa2048/client.pkcs8.enc.pem") }], "correct horse");
  assert.ok(Buffer.from(b.convert("pkcs8").files[0].bytes).equals(read("vectors/der/rsa2048/client.pkcs8.key.der")));
});

test("inspect: roles, certificate ID, validity, key match, positions", () => {
  const report = certpack.Bundle.load(inputs(["aws/rsa"])).inspect();
  assert.deepEqual(report.items.map((i) => i.role), ["leaf", "private-key", "public-key", "root"]);
  assert.match(report.certificate_id, /^93f1d43d67[0-9a-f]{54}$/);
  const leaf = report.items[report.leaf];
  assert.equal(leaf.sha256, report.certificate_id);
  assert.equal(leaf.not_before, "2024-01-01T00:00:00Z");
  assert.equal(leaf.not_after, "2049-12-31T23:59:59Z");
  assert.equal(report.key_matches_leaf, true);
  assert.equal(report.items[report.roots[0]].subject, "CN=Amazon Root CA 1,O=Amazon,C=US");
});

test("check finds the swapped key; pack refuses unless forced", () => {
  const b = certpack.Bundle.load([
    { name: "leaf.pem", bytes: read("aws/rsa/93f1d43d67-certificate.pem.crt") },
    { name: "ec.key", bytes: read("aws/ec/46623c5574-private.pem.key") },
  ]);
  const findings = b.check({ now: Date.now() });
  assert.deepEqual(findings.filter((f) => f.code === "CP101").map((f) => [f.severity, f.path]), [["error", "ec.key"]]);
  assert.throws(() => b.pack("der", {}, { now: Date.now() }), (e) => e.kind === "check-failed" && /CP101/.test(e.message));
  const forced = b.pack("der", {}, { now: Date.now(), force: true });
  assert.ok(forced.findings.some((f) => f.code === "CP101"));
  assert.ok(b.pack("der", {}, { check: false }).files.length > 0);
});

test("output metadata: secret, text, sha256, order", async () => {
  const { createHash } = await import("node:crypto");
  const out = certpack.Bundle.load(inputs(["aws/rsa"])).pack("der");
  assert.deepEqual(out.files.map((f) => f.name), ["client.crt.der", "client.key.der", "ca.crt.der", "manifest.json", "README.txt"]);
  assert.deepEqual(out.files.map((f) => f.secret), [false, true, false, false, false]);
  assert.deepEqual(out.files.map((f) => f.text), [false, false, false, true, true]);
  for (const f of out.files) {
    assert.ok(f.bytes instanceof Uint8Array);
    assert.equal(f.size, f.bytes.length);
    assert.equal(f.sha256, createHash("sha256").update(f.bytes).digest("hex"));
  }
});

const CASES = [
  ["a JPEG", "unknown-format", () => certpack.Bundle.load([{ name: "photo.jpg", bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]) }])],
  ["truncated DER", "der", () => certpack.Bundle.load([{ name: "leaf.der", bytes: read("vectors/der/p256/client.crt.der").subarray(0, 200) }])],
  ["JSON without PEM fields", "json", () => certpack.Bundle.load([{ name: "k.json", bytes: Buffer.from('{"certificateArn": "x"}') }])],
  ["encrypted key, no passphrase", "passphrase", () => one("k.pem", "encrypted/private.enc.pem")],
  ["2 MiB", "too-large", () => certpack.Bundle.load([{ name: "big", bytes: new Uint8Array(2 << 20).fill(65) }])],
  ["no input", "invalid-argument", () => certpack.Bundle.load([])],
  ["unknown target", "target", () => certpack.Bundle.load(inputs(["aws/rsa"])).pack("nope")],
  ["unknown parameter", "target", () => certpack.Bundle.load(inputs(["aws/rsa"])).pack("der", { colour: "blue" })],
  ["bytes not a Uint8Array", "invalid-argument", () => certpack.Bundle.load([{ name: "x", bytes: "text" }])],
  ["bad device time", "invalid-argument", () => certpack.Bundle.load(inputs(["aws/rsa"])).check({ deviceTime: "yesterday" })],
];

for (const [name, kind, call] of CASES) {
  test(`error: ${name} throws CertpackError kind ${kind}`, () => {
    assert.throws(call, (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, "CertpackError");
      assert.equal(e.kind, kind, `${e.kind}: ${e.message}`);
      assert.ok(e.hint.length > 0 && e.message.includes(e.hint) && e.message.includes(e.detail));
      assert.doesNotMatch(e.message, /panicked|unreachable|RuntimeError/);
      assert.ok(certpack.errorKinds().includes(e.kind));
      return true;
    });
  });
}

test("errors name their input", () => {
  assert.throws(() => certpack.Bundle.load([{ name: "leaf.der", bytes: read("vectors/der/p256/client.crt.der").subarray(0, 200) }]), (e) => e.path === "leaf.der");
});

test("the .d.ts ErrorKind union lists exactly errorKinds()", () => {
  const dts = readFileSync(new URL("../pkg/web/certpack_wasm.d.ts", import.meta.url), "utf8");
  const union = /export type ErrorKind =([^;]+);/.exec(dts)[1];
  assert.deepEqual([...union.matchAll(/"([a-z-]+)"/g)].map((m) => m[1]), certpack.errorKinds());
  assert.match(dts, /export interface CertpackError extends Error/);
  assert.match(dts, /\* Load a bundle from files/);
});
