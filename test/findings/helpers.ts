import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PalisadeError } from '../../src/core/index.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'findings');

export const SUB = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
export const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-shared-acr/providers/Microsoft.ContainerRegistry/registries/contosoacr`;
export const VM_WEB = `/subscriptions/${SUB}/resourceGroups/rg-payments-prod/providers/Microsoft.Compute/virtualMachines/vm-pay-web-01`;

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

/** The registry lookup of the test estate: one ACR. */
export function registryByLoginServer(loginServer: string): string | undefined {
  return loginServer === 'contosoacr.azurecr.io' ? REGISTRY_ID : undefined;
}

/** Runs `fn`, expecting a PalisadeError; returns it. */
export function caught(fn: () => unknown): PalisadeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PalisadeError) return e;
    throw new Error(`expected a PalisadeError, got ${String(e)}`);
  }
  throw new Error('expected a PalisadeError, nothing was thrown');
}

/** 1-based line of the first occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`'${needle}' not in text`);
  return text.slice(0, at).split('\n').length;
}
