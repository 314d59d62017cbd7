/** Arithmetic: add, sub, mul, div, mod (ARM documents integers; numbers are accepted; div and mod truncate toward zero). */
import { fnError } from '../errors.js';
import { argNumber as argInt, def, type FunctionDef } from './types.js';

export const numericFunctions: FunctionDef[] = [
  def('add', 2, 2, (a) => argInt('add', a[0], 0) + argInt('add', a[1], 1)),
  def('sub', 2, 2, (a) => argInt('sub', a[0], 0) - argInt('sub', a[1], 1)),
  def('mul', 2, 2, (a) => argInt('mul', a[0], 0) * argInt('mul', a[1], 1)),
  def('div', 2, 2, (a) => {
    const d = argInt('div', a[1], 1);
    if (d === 0) throw fnError('div() by zero');
    return Math.trunc(argInt('div', a[0], 0) / d);
  }),
  def('mod', 2, 2, (a) => {
    const d = argInt('mod', a[1], 1);
    if (d === 0) throw fnError('mod() by zero');
    const r = argInt('mod', a[0], 0) % d;
    return r === 0 ? 0 : r;
  }),
];
