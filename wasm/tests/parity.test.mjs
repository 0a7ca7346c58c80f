// Every target's bytes from the wasm package (node and web builds) equal the CLI's; failures agree.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BUNDLES, builds, filesOf, inputs, paramsFor, runCli } from "./helpers.mjs";

const { node, web } = await builds();

for (const [buildName, lib] of Object.entries({ node, web })) {
  test(`${buildName}: targets() equals certpack targets --json`, () => {
    assert.deepEqual(lib.targets(), JSON.parse(runCli(["targets", "--json"], { output: false }).stdout));
  });

  for (const target of lib.targets()) {
    for (const [bundleName, paths] of Object.entries(BUNDLES)) {
      test(`${buildName}: pack ${target.name} from ${bundleName} equals the CLI`, () => {
        const params = paramsFor(target, bundleName);
        const args = ["pack", ...paths, "--target", target.name];
        for (const [k, v] of Object.entries(params)) args.push("--param", `${k}=${v}`);
        const expected = runCli(args);
        let out;
        try {
          out = lib.Bundle.load(inputs(paths)).pack(target.name, params, { now: Date.now() });
        } catch (e) {
          assert.ok(expected.kind, `the CLI packed ${target.name}; wasm threw ${e}`);
          assert.equal(e.kind, expected.kind);
          assert.equal(e.message, expected.message);
          console.log(`pack ${target.name} from ${bundleName}: CLI and wasm both refuse it (${e.kind})`);
          return;
        }
        assert.ok(expected.files, `the CLI refused ${target.name} (${expected.message}); wasm packed it`);
        assert.deepEqual(filesOf(out), expected.files);
      });
    }
  }

  for (const form of ["der", "pem", "pkcs1", "pkcs8", "sec1", "spki"]) {
    for (const pem of [false, true]) {
      test(`${buildName}: convert to ${form}${pem ? " --pem" : ""} equals the CLI`, () => {
        for (const paths of [BUNDLES["aws-rsa"], BUNDLES["aws-ec"], BUNDLES["azure-x509"]]) {
          const expected = runCli(["convert", ...paths, "--to", form, ...(pem ? ["--pem"] : [])]);
          let out;
          try {
            out = lib.Bundle.load(inputs(paths)).convert(form, { pem });
          } catch (e) {
            assert.equal(e.kind, expected.kind, `${paths}: ${e}`);
            continue;
          }
          assert.deepEqual(filesOf(out), expected.files);
        }
      });
    }
  }
}

test("der and pem really pack every sample bundle (the parity above compares bytes, not only errors)", () => {
  for (const paths of Object.values(BUNDLES)) {
    for (const target of ["der", "pem"]) {
      const out = web.Bundle.load(inputs(paths)).pack(target, {}, { now: Date.now() });
      assert.ok(out.files.some((f) => f.name === "manifest.json"));
    }
  }
});

test("pem with CRLF and no final newline equals the CLI", () => {
  const expected = runCli(["pack", "aws/ec", "--target", "pem", "--param", "eol=crlf", "--param", "final-newline=false"]);
  const out = web.Bundle.load(inputs(["aws/ec"])).pack("pem", { eol: "crlf", "final-newline": false });
  assert.deepEqual(filesOf(out), expected.files);
});
