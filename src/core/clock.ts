/** Time source. Every stage takes a clock so that the same inputs and clock give identical output. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const time = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(time.getTime())) throw new RangeError(`invalid clock time: ${String(at)}`);
  return { now: () => new Date(time.getTime()) };
}
