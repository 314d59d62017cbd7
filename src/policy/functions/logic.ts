/** Logical and comparison functions. `if`, `and`, `or` and `coalesce` are also compiled lazily (see expression-compiler). */
import { fnError } from '../errors.js';
import { deepEqualStrict, fold } from '../value.js';
import { argBool, def, type FunctionDef } from './types.js';

function compare(fn: string, x: unknown, y: unknown): number {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  throw fnError(`${fn}() compares two numbers or two strings`);
}

/** ARM equals(): strings ignore case, arrays and objects compare structurally. */
export function armEquals(x: unknown, y: unknown): boolean {
  if (typeof x === 'string' && typeof y === 'string') return x === y || fold(x) === fold(y);
  return deepEqualStrict(x, y);
}

export const logicFunctions: FunctionDef[] = [
  def('and', 0, Infinity, (a) => a.every((x, i) => argBool('and', x, i))),
  def('or', 0, Infinity, (a) => a.some((x, i) => argBool('or', x, i))),
  def('not', 1, 1, (a) => !argBool('not', a[0], 0)),
  def('if', 3, 3, (a) => (argBool('if', a[0], 0) ? a[1] : a[2])),
  def('coalesce', 1, Infinity, (a) => {
    for (const v of a) if (v !== null && v !== undefined) return v;
    return null;
  }),
  def('equals', 2, 2, (a) => armEquals(a[0], a[1])),
  def('less', 2, 2, (a) => compare('less', a[0], a[1]) < 0),
  def('lessOrEquals', 2, 2, (a) => compare('lessOrEquals', a[0], a[1]) <= 0),
  def('greater', 2, 2, (a) => compare('greater', a[0], a[1]) > 0),
  def('greaterOrEquals', 2, 2, (a) => compare('greaterOrEquals', a[0], a[1]) >= 0),
  def('true', 0, 0, () => true),
  def('false', 0, 0, () => false),
  def('null', 0, 0, () => null),
];
