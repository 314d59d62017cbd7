/**
 * Time helpers of governance: the rule's `remediationTimeframe` (ARM's `d.hh:mm:ss` duration, here whole days from
 * the portal's choices 7, 14, 30 and 90) and the ISO 8601 week a notification belongs to.
 */

/** The remediation timeframes Defender for Cloud offers, in days. */
export const REMEDIATION_TIMEFRAME_DAYS = [7, 14, 30, 90] as const;

export const DEFAULT_REMEDIATION_TIMEFRAME = '7.00:00:00';

const DAY_MS = 86_400_000;

/** `7.00:00:00` → 7; undefined when the text is not `d.00:00:00` with an allowed number of days. */
export function timeframeDays(text: string): number | undefined {
  const m = /^(\d{1,3})\.00:00:00$/.exec(text);
  if (!m) return undefined;
  const days = Number(m[1]);
  return (REMEDIATION_TIMEFRAME_DAYS as readonly number[]).includes(days) ? days : undefined;
}

/** 7 → `7.00:00:00` */
export function formatTimeframe(days: number): string {
  return `${days}.00:00:00`;
}

/**
 * A CLI `--remediation-timeframe`: `7`, `7d` or `7.00:00:00` → `7.00:00:00`; anything else is returned unchanged so
 * that validation reports it with the allowed values.
 */
export function normalizeTimeframe(text: string): string {
  const m = /^(\d{1,3})d?$/i.exec(text.trim());
  return m ? formatTimeframe(Number(m[1])) : text.trim();
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** The ISO 8601 week of a time (UTC): `2026-W36`. Weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const weekday = day.getUTCDay() === 0 ? 7 : day.getUTCDay();
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const year = day.getUTCFullYear();
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}
