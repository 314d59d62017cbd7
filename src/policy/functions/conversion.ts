/** Conversion functions: string, int, float, bool, json. */
import { fnError } from '../errors.js';
import { booleanString, numericString } from '../value.js';
import { argString, def, type FunctionDef } from './types.js';

/** How ARM's string() renders a value: strings as-is, everything else as compact JSON. */
export function toStringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return value === null ? 'null' : '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export const conversionFunctions: FunctionDef[] = [
  def('string', 1, 1, (a) => toStringValue(a[0])),
  def('int', 1, 1, (a) => {
    const v = a[0];
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v === 'string') {
      const n = numericString(v);
      if (n === undefined) throw fnError(`int() cannot convert '${v}'`);
      return Math.trunc(n);
    }
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw fnError('int() expects a string or a number');
  }),
  def('float', 1, 1, (a) => {
    const v = a[0];
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      const n = numericString(v);
      if (n === undefined) throw fnError(`float() cannot convert '${v}'`);
      return n;
    }
    throw fnError('float() expects a string or a number');
  }),
  def('bool', 1, 1, (a) => {
    const v = a[0];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string') {
      const b = booleanString(v);
      if (b !== undefined) return b;
      if (v === '1') return true;
      if (v === '0') return false;
      throw fnError(`bool() cannot convert '${v}'`);
    }
    throw fnError('bool() expects a string, a number or a boolean');
  }),
  def('json', 1, 1, (a) => {
    const s = argString('json', a[0], 0);
    try {
      return JSON.parse(s) as unknown;
    } catch {
      throw fnError('json() value is not valid JSON');
    }
  }),
];
