// The certpack page: drop files, see what they are and what check finds, pick a target, download the files.
// All certificate logic is in the wasm core (targets, params, checks, outputs all come from it); this file only
// moves bytes between the DOM and the core. Text from files is only ever set with textContent.
import init, { Bundle, targets, version } from "./pkg/certpack_wasm.js";
import wasmBytes from "./pkg/certpack_wasm_bytes.js";
import { isZip, readZip, writeZip } from "./zip.js";

const $ = (id) => document.getElementById(id);
const state = { files: [], bundle: null, targets: [], output: null };

/** A DOM element with attributes and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) node.append(c);
  return node;
}

const show = (id, visible) => ($(id).hidden = !visible);

function formatSize(n) {
  return n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(1)} KB (${n} bytes)`;
}

// ---- errors ---------------------------------------------------------------------------------------------------

/** Show a CertpackError (kind, detail, hint, path) in the box `id` (next to what caused it). */
function showError(e, id = "error") {
  const box = $(id);
  box.replaceChildren();
  if (e && e.kind) {
    const where = [e.path, e.location].filter(Boolean).join(", ");
    box.append(
      el(id === "error" ? "h2" : "h3", {}, where ? `Problem with ${where}` : "certpack could not make these files"),
      el("p", { class: "error-message" }, e.detail || e.message),
      el("p", { class: "error-hint" }, el("strong", {}, "Fix: "), e.hint),
    );
    if (e.path && state.files.some((f) => f.name === e.path)) {
      box.append(
        el("button", { type: "button", class: "secondary", onclick: () => removeFile(e.path) }, `Remove ${e.path}`),
      );
    }
    box.append(el("p", { class: "error-kind" }, `error kind: ${e.kind}`));
  } else {
    box.append(
      el("h2", {}, "certpack hit an internal error"),
      el("p", {}, "This is a bug in certpack, not a problem with your files. Reload the page and try again; please report it."),
    );
  }
  show(id, true);
  box.focus();
}

function hideError() {
  show("error", false);
  show("pack-error", false);
}

// ---- files ----------------------------------------------------------------------------------------------------

async function addFiles(list) {
  hideError();
  try {
    for (const file of list) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (isZip(bytes)) {
        for (const entry of await readZip(bytes, file.name)) {
          upsert({ name: `${file.name}/${entry.name}`, bytes: entry.bytes, fromFolder: true });
        }
      } else {
        upsert({ name: file.name, bytes, fromFolder: false });
      }
    }
  } catch (e) {
    showError(e);
    return;
  }
  refresh();
}

function upsert(file) {
  const at = state.files.findIndex((f) => f.name === file.name);
  if (at >= 0) state.files[at] = file;
  else state.files.push(file);
}

function removeFile(name) {
  state.files = state.files.filter((f) => f.name !== name);
  hideError();
  refresh();
}

function renderFileList() {
  $("file-list").replaceChildren(
    ...state.files.map((f) =>
      el(
        "li",
        {},
        el("span", { class: "file-name" }, f.name),
        el("span", { class: "help" }, ` ${formatSize(f.bytes.length)} `),
        el("button", { type: "button", class: "link", "aria-label": `Remove ${f.name}`, onclick: () => removeFile(f.name) }, "remove"),
      ),
    ),
  );
  show("clear", state.files.length > 0);
}

// ---- bundle ---------------------------------------------------------------------------------------------------

function refresh() {
  renderFileList();
  if (state.bundle) state.bundle.free();
  state.bundle = null;
  show("output", false);
  if (!state.files.length) {
    ["bundle", "pack"].forEach((id) => show(id, false));
    return;
  }
  try {
    state.bundle = Bundle.load(state.files, $("passphrase").value || undefined);
  } catch (e) {
    ["bundle", "pack"].forEach((id) => show(id, false));
    showError(e);
    return;
  }
  renderBundle(state.bundle.inspect());
  renderFindings();
  show("bundle", true);
  show("pack", true);
}

const ROLE_NAMES = {
  leaf: "Device certificate",
  intermediate: "Intermediate CA",
  root: "Root CA",
  "private-key": "Private key",
  "public-key": "Public key",
};

function renderBundle(report) {
  const match = report.key_matches_leaf;
  const matchText =
    match === true
      ? ["ok", "The private key belongs to the device certificate."]
      : match === false
        ? ["bad", "The private key does NOT belong to the device certificate."]
        : ["unknown", "Key match unknown: the certificate or the key is missing."];
  const summary = [
    report.certificate_id
      ? el("p", {}, "Certificate ID ", el("code", { class: "cert-id" }, report.certificate_id))
      : el("p", {}, "No device certificate found."),
    el("p", { class: `key-match ${matchText[0]}` }, matchText[1]),
    report.notes.length ? el("ul", { class: "notes" }, report.notes.map((n) => el("li", {}, n))) : null,
  ];
  $("summary").replaceChildren(...summary.filter(Boolean));
  $("items").replaceChildren(
    ...report.items.map((item, n) => {
      const rows = [
        ["File", item.line ? `${item.path} (line ${item.line})` : item.path],
        ["Subject", item.subject],
        ["Issuer", item.issuer],
        ["Valid", item.not_before && `${item.not_before} to ${item.not_after}`],
        ["Key", item.key_form ? `${item.key_algorithm} (${item.key_form})` : item.key_algorithm],
        [n === report.leaf ? "Certificate ID" : "SHA-256", item.sha256],
      ].filter(([, v]) => v);
      return el(
        "article",
        { class: `item role-${item.role}` },
        el("h4", {}, el("span", { class: "role" }, ROLE_NAMES[item.role] || item.role), n === report.leaf ? " (in use)" : ""),
        el("dl", {}, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
        item.notes.length ? el("ul", { class: "notes" }, item.notes.map((x) => el("li", {}, x))) : null,
      );
    }),
  );
}

function renderFindings() {
  const list = $("findings");
  let findings;
  try {
    findings = state.bundle.check({ target: $("target").value || undefined, now: Date.now() });
  } catch (e) {
    showError(e);
    return;
  }
  if (!findings.length) {
    list.replaceChildren(el("li", { class: "finding ok" }, el("span", { class: "badge" }, "OK"), " No problems found for this target."));
    return;
  }
  list.replaceChildren(
    ...findings.map((f) =>
      el(
        "li",
        { class: `finding ${f.severity}` },
        el("span", { class: "badge" }, f.severity.toUpperCase()),
        el("code", {}, f.code),
        " ",
        el("span", {}, f.message),
        el("div", { class: "finding-hint" }, el("strong", {}, "Fix: "), f.hint),
        f.path ? el("div", { class: "help" }, f.path) : null,
      ),
    ),
  );
}

// ---- targets and packing --------------------------------------------------------------------------------------

function fillTargets() {
  const byFamily = new Map();
  for (const t of state.targets) {
    if (!byFamily.has(t.family)) byFamily.set(t.family, []);
    byFamily.get(t.family).push(t);
  }
  $("target").replaceChildren(
    ...[...byFamily].map(([family, list]) =>
      el("optgroup", { label: family }, list.map((t) => el("option", { value: t.name }, t.name))),
    ),
  );
  renderParams();
}

const currentTarget = () => state.targets.find((t) => t.name === $("target").value);

function renderParams() {
  const target = currentTarget();
  $("target-summary").textContent = target ? target.summary : "";
  const fields = (target ? target.params : []).map((p) => {
    const id = `param-${p.name}`;
    const boolean = p.default === "true" || p.default === "false";
    const input = boolean
      ? el("select", { id, "data-param": p.name }, ["true", "false"].map((v) => el("option", { value: v, selected: v === p.default }, v)))
      : el("input", { id, "data-param": p.name, type: "text", placeholder: p.default ?? "", spellcheck: "false", "aria-describedby": `${id}-help` });
    return el(
      "div",
      { class: "row" },
      el("label", { for: id }, p.name),
      input,
      el("p", { class: "help", id: `${id}-help` }, p.help, p.default != null ? ` (default: ${p.default})` : ""),
    );
  });
  $("param-fields").replaceChildren(...fields);
  show("params", fields.length > 0);
}

function onTargetChange() {
  renderParams();
  show("output", false);
  if (state.bundle) renderFindings();
}

function make() {
  hideError();
  const params = {};
  for (const input of document.querySelectorAll("[data-param]")) {
    if (input.value !== "") params[input.dataset.param] = input.value;
  }
  try {
    state.output = state.bundle.pack($("target").value, params, { now: Date.now(), force: $("force").checked });
  } catch (e) {
    show("output", false);
    showError(e, "pack-error");
    return;
  }
  renderOutput(state.output);
}

function download(name, bytes) {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = el("a", { href: url, download: name.split("/").join("_") });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function renderOutput(out) {
  $("out-notes").replaceChildren(...out.notes.map((n) => el("li", {}, n)));
  $("out-files").replaceChildren(
    ...out.files.map((f) => {
      const details = [];
      if (f.flash) details.push(`flash at 0x${f.flash.offset.toString(16)} (partition ${f.flash.partition}, ${f.flash.size} bytes)`);
      if (f.at_command) details.push(f.at_command);
      for (const [k, v] of Object.entries(f.meta || {})) details.push(`${k}: ${v}`);
      return el(
        "li",
        { class: "out-file" },
        el(
          "div",
          { class: "out-head" },
          el("span", { class: "file-name" }, f.name),
          f.secret ? el("span", { class: "badge secret" }, "PRIVATE KEY") : null,
          el("span", { class: "help" }, formatSize(f.size)),
          el("button", { type: "button", class: "download", "data-file": f.name, onclick: () => download(f.name, f.bytes) }, "Download"),
        ),
        el("p", { class: "help" }, f.description),
        details.map((d) => el("p", { class: "detail" }, el("code", {}, d))),
        f.text
          ? el(
              "details",
              {},
              el("summary", {}, f.secret ? "Preview (contains the private key)" : "Preview"),
              el("pre", {}, new TextDecoder().decode(f.bytes)),
            )
          : null,
      );
    }),
  );
  show("output", true);
  $("h-output").scrollIntoView({ block: "start", behavior: "smooth" });
}

function downloadAll() {
  if (!state.output) return;
  download(`certpack-${state.output.target}.zip`, writeZip(state.output.files.map((f) => ({ name: f.name, bytes: f.bytes }))));
}

// ---- wiring ---------------------------------------------------------------------------------------------------

function wire() {
  const drop = $("drop");
  const picker = $("picker");
  drop.addEventListener("click", () => picker.click());
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      picker.click();
    }
  });
  picker.addEventListener("change", () => {
    addFiles([...picker.files]);
    picker.value = "";
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    addFiles([...e.dataTransfer.files]);
  });
  // A file dropped next to the zone must not make the browser open it instead.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  $("clear").addEventListener("click", () => {
    state.files = [];
    hideError();
    refresh();
  });
  $("passphrase").addEventListener("change", () => state.files.length && refresh());
  $("target").addEventListener("change", onTargetChange);
  $("make").addEventListener("click", make);
  $("download-all").addEventListener("click", downloadAll);
}

async function start() {
  try {
    await init({ module_or_path: wasmBytes });
  } catch {
    showError(null);
    return;
  }
  $("version").textContent = version();
  state.targets = targets();
  fillTargets();
  wire();
  document.body.dataset.ready = "true";
}

start();
