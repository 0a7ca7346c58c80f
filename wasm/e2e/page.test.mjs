// The page in Debian's Chromium (playwright-core): drop the AWS sample files, choose ESP32-AT (or der when that
// target does not exist yet), download, and compare with the CLI's bytes; a zip drop; a malformed file; no
// request but the page's own assets. Screenshots go to test-output/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { cli, ROOT, sampleParams, TD, readTree } from "../tests/helpers.mjs";
import { readZip } from "../www/zip.js";
import { serve } from "./server.mjs";

const WWW = join(ROOT, "wasm/www");
const OUT = join(ROOT, "test-output");
const AWS = join(TD, "aws/rsa");
const AWS_FILES = readdirSync(AWS).sort();
const ASSETS = new Set(["/", "/index.html", "/app.js", "/zip.js", "/style.css", "/favicon.svg", "/pkg/certpack_wasm.js", "/pkg/certpack_wasm_bytes.js"]);

let server, browser, page;
const foreign = [];
const problems = [];

before(async () => {
  mkdirSync(OUT, { recursive: true });
  server = await serve(WWW);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-component-update"],
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  // Anything not served by our 127.0.0.1 server is recorded and refused.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  page = await context.newPage();
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith(server.url) && !url.startsWith("blob:") && !url.startsWith("data:")) foreign.push(url);
  });
  // Intercept file choosers from the start (enabling it only when waiting for one races with the key press).
  page.on("filechooser", () => {});
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Drop files onto the drop zone as a person would (a real drop event with a DataTransfer). */
async function drop(files) {
  const data = files.map((f) => ({ name: f.name, bytes: [...f.bytes] }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return dt;
  }, data);
  await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
}

async function downloadBytes(trigger) {
  const [download] = await Promise.all([page.waitForEvent("download"), trigger()]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

async function clearFiles() {
  if (await page.isVisible("#clear")) await page.click("#clear");
}

test("drop the AWS files, pack for ESP32-AT (or der), downloads equal the CLI's bytes", async () => {
  await drop(AWS_FILES.map((name) => ({ name, bytes: readFileSync(join(AWS, name)) })));
  await page.waitForSelector("#bundle:not([hidden]) .item");
  const roles = await page.$$eval(".item .role", (nodes) => nodes.map((n) => n.textContent));
  assert.deepEqual(roles, ["Device certificate", "Private key", "Public key", "Root CA"]);
  assert.match(await page.textContent(".cert-id"), /^93f1d43d67[0-9a-f]{54}$/);
  assert.match(await page.textContent(".key-match"), /belongs to the device certificate/);
  assert.ok(await page.isVisible(".finding"));

  const names = await page.$$eval("#target option", (o) => o.map((x) => x.value));
  const target = names.includes("esp32-at") ? "esp32-at" : "der";
  await page.selectOption("#target", target);
  const samples = sampleParams();
  const params = [];
  for (const input of await page.$$("[data-param]")) {
    const name = await input.getAttribute("data-param");
    const placeholder = await input.getAttribute("placeholder");
    if (placeholder === "" && samples[name]) {
      await input.fill(samples[name]);
      params.push("--param", `${name}=${samples[name]}`);
    }
  }
  await page.click("#make");
  await page.waitForSelector("#output:not([hidden]) .out-file");

  // The CLI on the same files, named as the page names dropped files (run in the folder).
  const out = mkdtempSync(join(tmpdir(), "certpack-page-"));
  const done = spawnSync(cli(), ["pack", ...AWS_FILES, "--target", target, ...params, "-o", out], { cwd: AWS, encoding: "utf8" });
  assert.equal(done.status, 0, done.stderr);
  const expected = readTree(out);

  const shown = await page.$$eval(".out-file .file-name", (n) => n.map((x) => x.textContent));
  assert.deepEqual(shown.sort(), Object.keys(expected).sort());
  for (const name of Object.keys(expected)) {
    const got = await downloadBytes(() => page.click(`button.download[data-file="${name}"]`));
    assert.equal(got.name, name.split("/").join("_"));
    assert.ok(got.bytes.equals(expected[name]), `${name}: downloaded bytes differ from the CLI's`);
  }
  const zip = await downloadBytes(() => page.click("#download-all"));
  assert.equal(zip.name, `certpack-${target}.zip`);
  const entries = await readZip(new Uint8Array(zip.bytes));
  assert.deepEqual(Object.fromEntries(entries.map((e) => [e.name, Buffer.from(e.bytes)])), expected);

  // A text output can be previewed.
  await page.click(".out-file details summary");
  assert.match(await page.textContent(".out-file details[open] pre"), /\S/);
  await page.screenshot({ path: join(OUT, "page-result.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUT, "page-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1100, height: 900 });
});

test("a zip from the console (deflated, with a non-certificate file) loads the same bundle", async () => {
  await clearFiles();
  const zipPath = join(mkdtempSync(join(tmpdir(), "certpack-zip-")), "connect_device_package.zip");
  const py = [
    "import sys, zipfile, os",
    "z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)",
    "[z.write(os.path.join(sys.argv[2], n), n) for n in sorted(os.listdir(sys.argv[2]))]",
    "z.writestr('start.sh', '#!/bin/sh\\necho connect\\n')",
    "z.close()",
  ].join("\n");
  const made = spawnSync("python3", ["-c", py, zipPath, AWS], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  await drop([{ name: "connect_device_package.zip", bytes: readFileSync(zipPath) }]);
  await page.waitForSelector("#bundle:not([hidden]) .item");
  const roles = await page.$$eval(".item .role", (nodes) => nodes.map((n) => n.textContent));
  assert.deepEqual(roles, ["Device certificate", "Private key", "Public key", "Root CA"]);
  assert.match(await page.textContent("#summary"), /start\.sh/); // skipped with a note, not an error
  assert.ok(await page.isHidden("#error"));
});

test("a key of another device: red key match, CP101 in red, pack refused until forced", async () => {
  await clearFiles();
  await drop([
    { name: "device.pem.crt", bytes: readFileSync(join(AWS, AWS_FILES.find((n) => n.endsWith("certificate.pem.crt")))) },
    { name: "other-private.pem.key", bytes: readFileSync(join(TD, "aws/ec/46623c5574-private.pem.key")) },
  ]);
  await page.waitForSelector("#bundle:not([hidden]) .finding.error");
  assert.match(await page.textContent(".key-match.bad"), /does NOT belong/);
  assert.match(await page.textContent(".finding.error"), /CP101/);
  const colour = await page.$eval(".finding.error", (n) => getComputedStyle(n).color);
  assert.equal(colour, "rgb(164, 14, 38)");
  await page.selectOption("#target", "der");
  await page.click("#make");
  await page.waitForSelector("#pack-error:not([hidden])");
  assert.match(await page.textContent("#pack-error"), /check-failed/);
  await page.screenshot({ path: join(OUT, "page-findings.png"), fullPage: true });
  await page.check("#force");
  await page.click("#make");
  await page.waitForSelector("#output:not([hidden]) .out-file");
  await page.uncheck("#force");
});

test("a malformed file picked with the keyboard gives a clear error", async () => {
  await clearFiles();
  await page.focus("#drop");
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Enter")]);
  await chooser.setFiles([{ name: "photo.jpg", mimeType: "image/jpeg", buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]) }]);
  await page.waitForSelector("#error:not([hidden])");
  const text = await page.textContent("#error");
  assert.match(text, /photo\.jpg/);
  assert.match(text, /JPEG/);
  assert.match(text, /Fix:/);
  assert.match(text, /unknown-format/);
  assert.ok(await page.isHidden("#bundle"));
  await page.screenshot({ path: join(OUT, "page-error.png"), fullPage: true });
  await page.click("#error button"); // "Remove photo.jpg"
  assert.ok(await page.isHidden("#error"));
});

test("no request left for anything but the page's own assets; no console errors (CSP)", () => {
  assert.deepEqual(foreign, []);
  const unknown = server.requested.filter((p) => !ASSETS.has(p));
  assert.deepEqual(unknown, []);
  assert.ok(server.requested.includes("/pkg/certpack_wasm_bytes.js"));
  assert.deepEqual(problems, []);
});
