// Shared by the node tests: the two wasm builds, the CLI built from the same core, testdata access.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const TD = join(ROOT, "testdata");
const require = createRequire(import.meta.url);

/** The nodejs build (CommonJS) and the web build initialised with initSync, as the page uses it. */
export async function builds() {
  const node = require("../pkg/node/certpack_wasm.js");
  const web = await import("../pkg/web/certpack_wasm.js");
  web.initSync({ module: readFileSync(new URL("../pkg/web/certpack_wasm_bg.wasm", import.meta.url)) });
  return { node, web };
}

/** Sample bundles (paths relative to testdata/), the same as py/tests/conftest.py. */
export const BUNDLES = {
  "aws-rsa": ["aws/rsa"],
  "aws-ec": ["aws/ec"],
  "azure-x509": ["azure/x509"],
  "aws-cli-json": ["aws-cli/create-keys-and-certificate.json", "roots/Amazon_Root_CA_1.crt"],
};

/** Input files for Bundle.load, named as the CLI names them when run in testdata/ (folders expanded, sorted). */
export function inputs(paths) {
  const files = [];
  for (const p of paths) {
    const full = join(TD, p);
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).filter((n) => !n.startsWith(".")).sort()) {
        files.push({ name: `${p}/${name}`, bytes: readFileSync(join(full, name)), fromFolder: true });
      }
    } else {
      files.push({ name: p, bytes: readFileSync(full) });
    }
  }
  return files;
}

export const read = (p) => readFileSync(join(TD, p));

/** Values for target parameters without a default (shared with the Python tests). */
export function sampleParams(bundle) {
  const all = JSON.parse(readFileSync(join(ROOT, "py/tests/data/sample-params.json"), "utf8"));
  const values = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith("_")));
  return { ...values, ...((all._bundles ?? {})[bundle] ?? {}) };
}

export function paramsFor(target, bundle) {
  const samples = sampleParams(bundle);
  return Object.fromEntries(
    target.params.filter((p) => p.default === null && p.name in samples).map((p) => [p.name, samples[p.name]]),
  );
}

let cliPath;
/** The `certpack` executable: $CERTPACK_CLI (set by scripts/test-all), else built with cargo. */
export function cli() {
  if (cliPath) return cliPath;
  if (process.env.CERTPACK_CLI) {
    cliPath = process.env.CERTPACK_CLI;
  } else {
    const out = execFileSync("cargo", ["build", "-p", "certpack-cli", "--message-format=json-render-diagnostics"], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    for (const line of out.split("\n").filter(Boolean)) {
      const m = JSON.parse(line);
      if (m.reason === "compiler-artifact" && m.executable && m.target.name === "certpack") cliPath = m.executable;
    }
  }
  if (!cliPath || !existsSync(cliPath)) throw new Error(`no certpack CLI at ${cliPath}`);
  return cliPath;
}

/** Every file under dir by '/'-separated relative name. */
export function readTree(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p).split("\\").join("/")] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}

/** Run the CLI in testdata/ writing to a fresh folder (`-o` added): {files} or {kind, message} on failure. */
export function runCli(args, { output = true } = {}) {
  const out = mkdtempSync(join(tmpdir(), "certpack-cli-"));
  const done = spawnSync(cli(), output ? [...args, "-o", out] : args, { cwd: TD, encoding: "utf8" });
  if (done.status === 0) return { files: readTree(out), stdout: done.stdout };
  const m = /^certpack: error\[([a-z-]+)\]: (.*)$/m.exec(done.stderr);
  if (!m) throw new Error(`certpack ${args.join(" ")} failed without a typed error: ${done.stderr}`);
  return { kind: m[1], message: m[2] };
}

/** Output files as {name: Buffer}. */
export const filesOf = (output) => Object.fromEntries(output.files.map((f) => [f.name, Buffer.from(f.bytes)]));
