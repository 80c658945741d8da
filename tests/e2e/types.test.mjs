// The package's TypeScript declarations (generated from the method registry) give an app
// developer completion and type errors: correct usage compiles, misspelt options do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from './harness.mjs';

const tsc = (file) => spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '--noEmit', '--strict',
  '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'esnext,dom', `${ROOT}tests/types/${file}`], { encoding: 'utf8' });

test('correct use of the JS API type-checks', () => {
  const r = tsc('usage.ts');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('every misspelt option is a type error', () => {
  const r = tsc('misspelt.ts');
  assert.notEqual(r.status, 0);
  const lines = r.stdout.split('\n').filter((l) => l.includes('misspelt.ts(') && l.includes('error TS'));
  const errorLines = new Set(lines.map((l) => Number(l.match(/misspelt\.ts\((\d+),/)[1])));
  assert.deepEqual([...errorLines].sort((a, b) => a - b), [5, 6, 7, 8, 9], r.stdout);
});
