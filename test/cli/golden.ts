import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

const GOLDEN = join(resolve(import.meta.dirname, '..', '..'), 'test', 'golden', 'cli');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Compares CLI output with test/golden/cli/NAME; UPDATE_GOLDEN=1 writes it instead. */
export function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`golden file ${name} is missing; run with UPDATE_GOLDEN=1 and review it`);
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
