// Drops a WebAssembly module's custom sections (function names, producers, target features):
// browsers ignore them, and the names alone are a sixth of the module. This runs after
// wasm-bindgen, which needs the target features to pick its calling convention (cargo's
// `strip = true` would remove them before it runs).
//   node scripts/strip-wasm.mjs FILE.wasm
import { readFileSync, writeFileSync } from 'node:fs';

/** An unsigned LEB128 number at `at`: [value, offset after it]. */
function leb128(bytes, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    if (b === undefined || shift > 28) throw new Error('truncated or oversized section length');
    value += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) return [value, at];
  }
}

export function stripCustomSections(bytes) {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (!magic.every((b, i) => bytes[i] === b)) throw new Error('not a WebAssembly (version 1) module');
  const kept = [bytes.subarray(0, 8)];
  const dropped = [];
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const [size, body] = leb128(bytes, at + 1);
    const end = body + size;
    if (end > bytes.length) throw new Error(`section ${id} at byte ${at} runs past the end`);
    if (id === 0) {
      const [n, name] = leb128(bytes, body);
      dropped.push({ name: new TextDecoder().decode(bytes.subarray(name, name + n)), bytes: end - at });
    } else {
      kept.push(bytes.subarray(at, end));
    }
    at = end;
  }
  return { bytes: Buffer.concat(kept), dropped };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const { bytes, dropped } = stripCustomSections(readFileSync(file));
  writeFileSync(file, bytes);
  for (const d of dropped) console.log(`[strip] ${d.name}: ${(d.bytes / 1024).toFixed(0)} KB`);
}
