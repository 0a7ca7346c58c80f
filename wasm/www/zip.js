// ZIP reading (stored and deflated entries, e.g. the AWS IoT console's connect_device_package.zip) and a
// stored-only ZIP writer for "download all". No dependencies: deflate is the browser's own
// DecompressionStream("deflate-raw"). The certificate logic stays in the wasm core; this only unpacks files.

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
/** Entries larger than this (uncompressed) are refused: certificate files are a few KB; this stops zip bombs. */
export const MAX_ENTRY_BYTES = 4 << 20;
export const MAX_ENTRIES = 1000;

/** An error shaped like certpack's (kind, hint) so the page shows both the same way. */
function zipError(message, hint) {
  return Object.assign(new Error(message), { name: "ZipError", kind: "zip", hint, detail: message });
}

/** True when the bytes start like a ZIP archive (by content, as certpack recognises everything). */
export function isZip(bytes) {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

let table;
/** CRC-32 (IEEE 802.3), as ZIP uses it. */
export function crc32(bytes) {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function inflateRaw(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_ENTRY_BYTES) {
      await reader.cancel();
      throw zipError("a zip entry inflates to more than 4 MiB", "certificate files are a few kilobytes: unzip it and drop the files themselves");
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The files of a ZIP archive: [{name, bytes}] in archive order; folders and macOS metadata are skipped. */
export async function readZip(bytes, zipName = "archive.zip") {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what) =>
    zipError(`${zipName}: ${what}`, "the zip is damaged or unusual: unzip it with your system's tool and drop the files themselves");
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad("no end-of-archive record (truncated download?)");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw bad("ZIP64 archives are not supported");
  if (count > MAX_ENTRIES) throw bad(`${count} entries (more than ${MAX_ENTRIES})`);
  const files = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) throw bad(`entry ${n + 1}: broken central directory`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > bytes.length) throw bad(`entry ${n + 1}: name runs past the end`);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + skip;
    if (name.endsWith("/") || name.startsWith("__MACOSX/") || name.split("/").pop().startsWith(".")) continue;
    if (flags & 1) throw bad(`${name} is encrypted; certpack cannot open password-protected zips`);
    if (size > MAX_ENTRY_BYTES) throw bad(`${name} is ${size} bytes (over 4 MiB)`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) throw bad(`${name}: broken local header`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + packed > bytes.length) throw bad(`${name}: data runs past the end (truncated download?)`);
    const data = bytes.subarray(start, start + packed);
    let content;
    if (method === 0) content = data.slice();
    else if (method === 8) content = await inflateRaw(data);
    else throw bad(`${name} uses compression method ${method}; only stored and deflated entries are supported`);
    if (content.length !== size || crc32(content) !== crc) throw bad(`${name} fails its CRC check (damaged archive)`);
    files.push({ name, bytes: content });
  }
  return files;
}

/** A ZIP archive of `files` ([{name, bytes}]), stored (no compression), with fixed timestamps (deterministic). */
export function writeZip(files) {
  const encoder = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the ZIP epoch
  for (const file of files) {
    const name = encoder.encode(file.name);
    const crc = crc32(file.bytes);
    const header = new DataView(new ArrayBuffer(30));
    header.setUint32(0, LOCAL, true);
    header.setUint16(4, 20, true); // version needed: 2.0
    header.setUint16(6, 0x0800, true); // UTF-8 names
    header.setUint16(8, 0, true); // stored
    header.setUint16(10, 0, true); // time 00:00
    header.setUint16(12, DOS_DATE, true);
    header.setUint32(14, crc, true);
    header.setUint32(18, file.bytes.length, true);
    header.setUint32(22, file.bytes.length, true);
    header.setUint16(26, name.length, true);
    header.setUint16(28, 0, true);
    const entry = new DataView(new ArrayBuffer(46));
    entry.setUint32(0, CENTRAL, true);
    entry.setUint16(4, 20, true);
    entry.setUint16(6, 20, true);
    entry.setUint16(8, 0x0800, true);
    entry.setUint16(10, 0, true);
    entry.setUint16(12, 0, true);
    entry.setUint16(14, DOS_DATE, true);
    entry.setUint32(16, crc, true);
    entry.setUint32(20, file.bytes.length, true);
    entry.setUint32(24, file.bytes.length, true);
    entry.setUint16(28, name.length, true);
    entry.setUint32(38, 0, true); // external attributes
    entry.setUint32(42, offset, true);
    parts.push(new Uint8Array(header.buffer), name, file.bytes);
    central.push(new Uint8Array(entry.buffer), name);
    offset += 30 + name.length + file.bytes.length;
  }
  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, END, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
