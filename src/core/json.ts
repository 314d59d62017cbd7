/** Keys that can reach Object.prototype when a value is merged or assigned into plain objects. */
const DANGEROUS_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * JSON.parse whose objects cannot carry `__proto__`: JSON.parse already creates it as an own property,
 * and the reviver below drops it so that later spreads and assignments never touch a prototype.
 */
export function safeJsonParse(text: string): unknown {
  if (!text.includes('__proto__')) return JSON.parse(text);
  return JSON.parse(text, (key, value) => (key === '__proto__' ? undefined : value));
}

/** Returns a deep copy without `__proto__`, `constructor` or `prototype` own keys. */
export function stripDangerousKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => stripDangerousKeys(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (DANGEROUS_KEYS.has(k)) continue;
      out[k] = stripDangerousKeys(v);
    }
    return out as T;
  }
  return value;
}
