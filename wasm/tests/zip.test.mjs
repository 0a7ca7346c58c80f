// The page's ZIP reader (stored + deflated, as zip tools and the AWS console write them) and stored writer.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { deflateRawSync } from "node:zlib";
import { TD } from "./helpers.mjs";
import { crc32, isZip, readZip, writeZip } from "../www/zip.js";

const AWS = join(TD, "aws/rsa");

function pythonZip(script) {
  const path = join(mkdtempSync(join(tmpdir(), "certpack-zip-")), "a.zip");
  const done = spawnSync("python3", ["-c", `import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n${script}\nz.close()`, path, AWS], { encoding: "utf8" });
  assert.equal(done.status, 0, done.stderr);
  return new Uint8Array(readFileSync(path));
}

test("reads deflated and stored entries written by Python's zipfile; skips folders and dotfiles", async () => {
  const zip = pythonZip(
    [
      "import os",
      "for n in sorted(os.listdir(sys.argv[2])): z.write(os.path.join(sys.argv[2], n), 'certs/' + n, zipfile.ZIP_DEFLATED)",
      "z.writestr('certs/', '')",
      "z.writestr('stored.txt', 'plain', zipfile.ZIP_STORED)",
      "z.writestr('__MACOSX/._x', 'junk')",
      "z.writestr('certs/.DS_Store', 'junk')",
    ].join("\n"),
  );
  assert.ok(isZip(zip));
  const files = await readZip(zip);
  assert.deepEqual(
    files.map((f) => f.name),
    ["93f1d43d67-certificate.pem.crt", "93f1d43d67-private.pem.key", "93f1d43d67-public.pem.key", "AmazonRootCA1.pem"].map((n) => `certs/${n}`).concat("stored.txt"),
  );
  for (const f of files.slice(0, 4)) assert.ok(Buffer.from(f.bytes).equals(readFileSync(join(AWS, f.name.slice(6)))));
  assert.equal(new TextDecoder().decode(files[4].bytes), "plain");
});

test("the writer's archives read back, and Python's zipfile accepts them with correct CRCs", async () => {
  const files = [
    { name: "client.crt.der", bytes: new Uint8Array(readFileSync(join(AWS, "AmazonRootCA1.pem"))) },
    { name: "include/certs.h", bytes: new TextEncoder().encode("const char x[] = \"é\";\n") },
    { name: "empty", bytes: new Uint8Array(0) },
  ];
  const zip = writeZip(files);
  assert.deepEqual(writeZip(files), zip, "deterministic");
  const back = await readZip(zip);
  assert.deepEqual(back.map((f) => [f.name, Buffer.from(f.bytes)]), files.map((f) => [f.name, Buffer.from(f.bytes)]));
  const path = join(mkdtempSync(join(tmpdir(), "certpack-zip-")), "w.zip");
  spawnSync("sh", ["-c", `cat > ${path}`], { input: zip });
  const check = spawnSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.namelist())", path], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /include\/certs\.h/);
});

test("crc32 matches zlib's reference value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

test("damaged archives give a clear ZipError with a hint", async () => {
  const good = writeZip([{ name: "a.pem", bytes: new TextEncoder().encode("hello") }]);
  const cases = [
    [good.subarray(0, good.length - 10), /no end-of-archive/],
    [(() => { const z = good.slice(); z[30 + 5] ^= 0xff; return z; })(), /CRC/],
  ];
  for (const [bytes, message] of cases) {
    await assert.rejects(readZip(bytes, "x.zip"), (e) => e.name === "ZipError" && message.test(e.message) && e.hint.length > 0);
  }
  // An entry that claims 5 bytes but inflates to 10 MB is stopped at 4 MiB.
  const bomb = deflateRawSync(Buffer.alloc(10 << 20));
  const zip = writeZip([{ name: "bomb", bytes: new Uint8Array(bomb) }]);
  const view = new DataView(zip.buffer);
  const central = zip.length - 22 - 46 - 4;
  view.setUint16(8, 8, true); // local header: deflated
  view.setUint16(central + 10, 8, true); // central directory: deflated
  await assert.rejects(readZip(zip), /more than 4 MiB/);
});
