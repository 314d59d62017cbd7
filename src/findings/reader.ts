/**
 * Typed, located access to parsed scanner JSON. Every field a parser reads goes through a `Reader`, so a value of the
 * wrong type becomes a coded `FindingsInvalidRecord` (with file, line and JSON path) instead of a TypeError, and only
 * own properties are read (never anything reachable through a prototype).
 * Rule: a field that is absent or null is "not given"; a field that is given must have the documented type.
 */
import { PalisadeError, jsonPath } from '../core/index.js';
import { locatePath } from './json-text.js';
import type { FindingsFormat } from './types.js';

export type Path = ReadonlyArray<string | number>;
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An own property of a parsed object (null reads as undefined). */
export function own(obj: JsonObject, key: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
  const value = obj[key];
  return value === null ? undefined : value;
}

const FORMAT_NAMES: Record<FindingsFormat, string> = { trivy: 'Trivy', grype: 'Grype', sarif: 'SARIF', cyclonedx: 'CycloneDX' };

export function formatName(format: FindingsFormat): string {
  return FORMAT_NAMES[format];
}

export class Reader {
  constructor(
    readonly file: string,
    readonly text: string,
    readonly format: FindingsFormat,
  ) {}

  /** A located `FindingsInvalidRecord` (or another code) for the value at `path`. */
  error(code: string, path: Path, message: string): PalisadeError {
    const at = locatePath(this.text, path);
    const p = jsonPath(path);
    return new PalisadeError(code, `${this.file}${at ? `:${at.line}` : ''}: ${p}: ${message}`, {
      kind: 'validation',
      target: p,
      location: { file: this.file, ...(at ? { line: at.line } : {}), path: p },
    });
  }

  invalid(path: Path, message: string): PalisadeError {
    return this.error('FindingsInvalidRecord', path, `${formatName(this.format)}: ${message}`);
  }

  object(value: unknown, path: Path, what = 'an object'): JsonObject {
    if (!isObject(value)) throw this.invalid(path, `expected ${what}, found ${describe(value)}`);
    return value;
  }

  optObject(obj: JsonObject, key: string, path: Path): JsonObject | undefined {
    const value = own(obj, key);
    if (value === undefined) return undefined;
    return this.object(value, [...path, key]);
  }

  optArray(obj: JsonObject, key: string, path: Path): unknown[] | undefined {
    const value = own(obj, key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw this.invalid([...path, key], `expected an array, found ${describe(value)}`);
    return value;
  }

  array(obj: JsonObject, key: string, path: Path): unknown[] {
    const value = this.optArray(obj, key, path);
    if (value === undefined) throw this.invalid([...path, key], `'${key}' is required (an array)`);
    return value;
  }

  optString(obj: JsonObject, key: string, path: Path): string | undefined {
    const value = own(obj, key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.invalid([...path, key], `expected a string, found ${describe(value)}`);
    return value;
  }

  /** A non-empty string. */
  string(obj: JsonObject, key: string, path: Path): string {
    const value = this.optString(obj, key, path);
    if (value === undefined || value.trim() === '') throw this.invalid([...path, key], `'${key}' is required (a non-empty string)`);
    return value;
  }

  optNumber(obj: JsonObject, key: string, path: Path): number | undefined {
    const value = own(obj, key);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.invalid([...path, key], `expected a number, found ${describe(value)}`);
    return value;
  }

  /** A number, or a string holding one (SARIF's `security-severity` is a string by convention). */
  optNumeric(obj: JsonObject, key: string, path: Path): number | undefined {
    const value = own(obj, key);
    if (value === undefined) return undefined;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw this.invalid([...path, key], `expected a number, found ${describe(value)}`);
    return n;
  }

  /** An array of strings (each element checked). */
  optStrings(obj: JsonObject, key: string, path: Path): string[] | undefined {
    const list = this.optArray(obj, key, path);
    if (list === undefined) return undefined;
    return list.map((item, k) => {
      if (typeof item !== 'string') throw this.invalid([...path, key, k], `expected a string, found ${describe(item)}`);
      return item;
    });
  }
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing (it is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
