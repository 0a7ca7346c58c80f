// The size budget of the wasm package (docs/wasm.md): 400 KB gzipped.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gzipSync } from "node:zlib";

const BUDGET = 400 * 1024;

test("certpack_wasm_bg.wasm is under 400 KB gzipped", () => {
  const wasm = readFileSync(new URL("../pkg/web/certpack_wasm_bg.wasm", import.meta.url));
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  console.log(`certpack_wasm_bg.wasm: ${wasm.length} bytes, ${gzipped} bytes gzipped (budget ${BUDGET})`);
  assert.ok(gzipped < BUDGET, `${gzipped} bytes gzipped`);
});
