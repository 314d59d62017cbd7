/**
 * Time windows of the history commands: `--since 90d`, `--step 1d`, `--since 7d`. A duration is a positive whole
 * number of `m` (minutes), `h`, `d` or `w`, or an ISO 8601 duration of days/hours/minutes (`P7D`, `PT12H`, `P1DT6H`).
 * Instants are ISO 8601 date-times.
 */
import { PalisadeError } from '../../core/index.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const UNIT_MS: Record<string, number> = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };

/** Milliseconds of `90d` / `12h` / `2w` / `P7D`; `InvalidDuration` (an argument error) otherwise. */
export function parseDuration(value: string, target: string): number {
  const text = value.trim();
  const short = /^(\d{1,6})([mhdw])$/i.exec(text);
  let ms: number | undefined;
  if (short) ms = Number(short[1]) * UNIT_MS[short[2].toLowerCase()];
  const iso = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?)?$/i.exec(text);
  if (ms === undefined && iso && text.length > 1 && !/T$/i.test(text)) {
    ms = Number(iso[1] ?? 0) * 7 * DAY_MS + Number(iso[2] ?? 0) * DAY_MS + Number(iso[3] ?? 0) * HOUR_MS + Number(iso[4] ?? 0) * MINUTE_MS;
  }
  if (ms === undefined || ms <= 0) {
    throw new PalisadeError('InvalidDuration', `--${target} '${value}' is not a duration: use a positive number of m, h, d or w (90d, 12h, 2w) or ISO 8601 (P7D).`, {
      kind: 'argument',
      target,
    });
  }
  return ms;
}

/** `7d`, `12h`, `90m`: the largest unit that divides the value. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm']) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** An ISO 8601 date-time; `InvalidDateTime` (an argument error) otherwise. */
export function parseInstant(value: string, target: string): Date {
  const text = value.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ]([\d:.]+)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text);
  // A date-time without an offset is UTC (not the machine's zone), so results do not depend on where they run.
  const ms = m ? Date.parse(m[2] === undefined ? m[1] : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`) : NaN;
  if (Number.isNaN(ms)) {
    throw new PalisadeError('InvalidDateTime', `--${target} '${value}' is not an ISO 8601 date-time (2026-08-01 or 2026-08-01T00:00:00Z).`, { kind: 'argument', target });
  }
  return new Date(ms);
}
