import { fnError } from '../errors.js';
import { isObject, typeOf } from '../value.js';

/** What a pure template function may ask of its surroundings. */
export interface FunctionEnv {
  /** Evaluation time (from the caller's clock). */
  now(): Date;
}

/**
 * A template function declared as data: its name (as documented, camelCase), its arity and whether the result
 * depends only on the arguments (pure functions over constants are folded at compile time).
 */
export interface FunctionDef {
  readonly name: string;
  readonly min: number;
  /** `Infinity` for variadic. */
  readonly max: number;
  readonly pure: boolean;
  /** Not callable from a policy (used by the conformance runner only). */
  readonly internal?: boolean;
  call(args: unknown[], env: FunctionEnv): unknown;
}

export function def(
  name: string,
  min: number,
  max: number,
  call: (args: unknown[], env: FunctionEnv) => unknown,
  options: { pure?: boolean; internal?: boolean } = {},
): FunctionDef {
  return { name, min, max, pure: options.pure ?? true, internal: options.internal, call };
}

export function argString(fn: string, value: unknown, index: number): string {
  if (typeof value !== 'string') throw fnError(`${fn}() expects a string as argument ${index + 1}, got ${typeOf(value)}`);
  return value;
}

export function argInt(fn: string, value: unknown, index: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw fnError(`${fn}() expects an integer as argument ${index + 1}, got ${typeOf(value)}`);
  }
  return value;
}

export function argNumber(fn: string, value: unknown, index: number): number {
  if (typeof value !== 'number') throw fnError(`${fn}() expects a number as argument ${index + 1}, got ${typeOf(value)}`);
  return value;
}

export function argArray(fn: string, value: unknown, index: number): unknown[] {
  if (!Array.isArray(value)) throw fnError(`${fn}() expects an array as argument ${index + 1}, got ${typeOf(value)}`);
  return value;
}

export function argBool(fn: string, value: unknown, index: number): boolean {
  if (typeof value !== 'boolean') throw fnError(`${fn}() expects a boolean as argument ${index + 1}, got ${typeOf(value)}`);
  return value;
}

export function argObject(fn: string, value: unknown, index: number): Record<string, unknown> {
  if (!isObject(value)) throw fnError(`${fn}() expects an object as argument ${index + 1}, got ${typeOf(value)}`);
  return value;
}
