/** Date functions: utcNow, addDays, dateTimeAdd, dateTimeFromEpoch, dateTimeToEpoch. Times are UTC. */
import { fnError } from '../errors.js';
import { argInt, argString, def, type FunctionDef } from './types.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses ISO-8601 date-times (`T` or space separator, optional zone; no zone means UTC). */
export function parseDateTime(text: string): { ms: number; fraction: string } | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  let ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, frac ? Math.floor(Number(frac) * 1000) : 0);
  if (Number.isNaN(ms) || +mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 59) return undefined;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
  }
  return { ms, fraction: frac };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2024-01-15T12:00:00Z`, with the fractional seconds when there are any. */
export function formatIso(ms: number, fraction = ''): string {
  const d = new Date(ms);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const msPart = d.getUTCMilliseconds();
  if (fraction !== '') return `${base}${fraction}Z`;
  return msPart === 0 ? `${base}Z` : `${base}.${pad(msPart, 3)}Z`;
}

/** .NET custom date format subset: yyyy MM dd HH hh mm ss f..., 'literal', and the standard `o`/`u`/`s`. */
export function formatDotNet(date: Date, format: string): string {
  if (format === 'o' || format === 'O') return formatDotNet(date, 'yyyy-MM-ddTHH:mm:ss.fffffffZ');
  if (format === 's') return formatDotNet(date, 'yyyy-MM-ddTHH:mm:ss');
  if (format === 'u') return formatDotNet(date, 'yyyy-MM-dd HH:mm:ssZ');
  let out = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    let run = 1;
    while (format[i + run] === c) run++;
    switch (c) {
      case 'y':
        out += run <= 2 ? pad(date.getUTCFullYear() % 100, run) : pad(date.getUTCFullYear(), run);
        break;
      case 'M':
        out += pad(date.getUTCMonth() + 1, Math.min(run, 2));
        break;
      case 'd':
        out += pad(date.getUTCDate(), Math.min(run, 2));
        break;
      case 'H':
        out += pad(date.getUTCHours(), Math.min(run, 2));
        break;
      case 'h':
        out += pad(date.getUTCHours() % 12 || 12, Math.min(run, 2));
        break;
      case 'm':
        out += pad(date.getUTCMinutes(), Math.min(run, 2));
        break;
      case 's':
        out += pad(date.getUTCSeconds(), Math.min(run, 2));
        break;
      case 'f':
      case 'F':
        out += pad(date.getUTCMilliseconds(), 3).padEnd(run, '0').slice(0, run);
        break;
      case "'": {
        const end = format.indexOf("'", i + 1);
        out += format.slice(i + 1, end < 0 ? format.length : end);
        i = end < 0 ? format.length : end + 1;
        continue;
      }
      default:
        out += c.repeat(run);
    }
    i += run;
  }
  return out;
}

const DURATION = /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function addDuration(ms: number, duration: string): number {
  const m = DURATION.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) throw fnError(`'${duration}' is not an ISO 8601 duration`);
  const sign = m[1] ? -1 : 1;
  const [y, mo, w, d, h, mi, s] = m.slice(2).map((x) => (x === undefined ? 0 : Number(x)));
  const date = new Date(ms);
  if (y || mo) date.setUTCMonth(date.getUTCMonth() + sign * (y * 12 + mo));
  return date.getTime() + sign * ((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

function argDate(fn: string, v: unknown, i: number): { ms: number; fraction: string } {
  const parsed = parseDateTime(argString(fn, v, i));
  if (!parsed) throw fnError(`${fn}() argument ${i + 1} is not a date-time`);
  return parsed;
}

export const dateFunctions: FunctionDef[] = [
  def('utcNow', 0, 1, (a, env) => formatDotNet(env.now(), a.length > 0 ? argString('utcNow', a[0], 0) : 'yyyy-MM-ddTHH:mm:ss.fffffffZ'), {
    pure: false,
  }),
  def('addDays', 2, 2, (a) => {
    const base = argDate('addDays', a[0], 0);
    return formatIso(base.ms + argInt('addDays', a[1], 1) * 86400000, base.fraction);
  }),
  def('dateTimeAdd', 2, 3, (a) => {
    const base = argDate('dateTimeAdd', a[0], 0);
    const ms = addDuration(base.ms, argString('dateTimeAdd', a[1], 1));
    return a.length > 2 ? formatDotNet(new Date(ms), argString('dateTimeAdd', a[2], 2)) : formatIso(ms, base.fraction);
  }),
  def('dateTimeFromEpoch', 1, 1, (a) => formatIso(argInt('dateTimeFromEpoch', a[0], 0) * 1000)),
  def('dateTimeToEpoch', 1, 1, (a) => Math.floor(argDate('dateTimeToEpoch', a[0], 0).ms / 1000)),
];
