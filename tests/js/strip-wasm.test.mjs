// scripts/strip-wasm.mjs: custom sections go, every other section stays byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripCustomSections } from '../../scripts/strip-wasm.mjs';

const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// (module (func (export "f") (result i32) i32.const 42)), section by section.
const types = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f];
const funcs = [0x03, 0x02, 0x01, 0x00];
const exports = [0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00];
const code = [0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b];
const custom = (name, payload) => {
  const body = [name.length, ...new TextEncoder().encode(name), ...payload];
  // A two-byte LEB128 length, as large sections have.
  return [0x00, (body.length & 0x7f) | 0x80, body.length >> 7, ...body];
};

test('drops custom sections anywhere and keeps the module working', async () => {
  const names = custom('name', Array.from({ length: 300 }, (_, i) => i & 0xff));
  const module = Uint8Array.from([...header, ...types, ...names, ...funcs, ...exports, ...code, ...custom('producers', [1, 2, 3])]);
  const { bytes, dropped } = stripCustomSections(module);
  assert.deepEqual([...bytes], [...header, ...types, ...funcs, ...exports, ...code]);
  assert.deepEqual(dropped.map((d) => d.name), ['name', 'producers']);
  assert.equal(dropped[0].bytes, names.length);
  const { instance } = await WebAssembly.instantiate(bytes);
  assert.equal(instance.exports.f(), 42);
});

test('a module without custom sections is unchanged', () => {
  const module = Uint8Array.from([...header, ...types, ...funcs, ...exports, ...code]);
  const { bytes, dropped } = stripCustomSections(module);
  assert.deepEqual([...bytes], [...module]);
  assert.equal(dropped.length, 0);
});

test('refuses what is not a whole module', () => {
  assert.throws(() => stripCustomSections(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 0, 0, 0])), /not a WebAssembly/);
  const whole = [...header, ...types, ...funcs, ...exports, ...code];
  assert.throws(() => stripCustomSections(Uint8Array.from(whole.slice(0, -2))), /runs past the end/);
  assert.throws(() => stripCustomSections(Uint8Array.from([...header, 0x00, 0x80])), /truncated/);
});
