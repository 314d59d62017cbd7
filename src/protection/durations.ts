/**
 * Durations in rule files and configuration: `30s`, `10m`, `1h`, `7d`, `2w` (Sigma's `timespan` uses the same units),
 * or a number of milliseconds. Durations drive event-time windows, never the wall clock.
 */
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds of `30s` / `10m` / `1h` / `7d` / `2w` (or a number of milliseconds), or undefined when the value is not
 * a positive duration (zero is accepted with `allowZero`: a learning period of `0s`).
 */
export function parseDuration(value: unknown, options: { allowZero?: boolean } = {}): number | undefined {
  const ok = (ms: number) => Number.isFinite(ms) && (ms > 0 || (options.allowZero === true && ms === 0));
  if (typeof value === 'number') return ok(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(value);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  return ok(ms) ? ms : undefined;
}

/** `3600000` → `1h`, `5400000` → `90m`: the largest unit that divides the value. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's']) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
