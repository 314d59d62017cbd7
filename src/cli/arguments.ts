/** Argument parsers shared by the commands (commander turns their InvalidArgumentError into exit code 2). */
import { InvalidArgumentError } from 'commander';

/** 1, 2, 3, ... */
export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer.`);
  return Number(value);
}

/** 0, 1, 2, ... */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  return n;
}
