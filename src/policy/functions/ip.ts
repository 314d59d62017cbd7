/** ipRangeContains(range, target): IPv4/IPv6 addresses, CIDR prefixes and `a-b` ranges. */
import { fnError } from '../errors.js';
import { argString, def, type FunctionDef } from './types.js';

interface Range {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let out = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out = (out << 8n) | BigInt(Number(p));
  }
  return out;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const expand = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i];
      if (g.includes('.') && i === items.length - 1) {
        const v4 = parseV4(g);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) groups.push(parseInt(g, 16));
      else return undefined;
    }
    return groups;
  };
  const head = expand(halves[0]);
  const tail = halves.length === 2 ? expand(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0 || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function parseAddress(s: string): { v6: boolean; value: bigint } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

export function parseRange(text: string): Range | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const addr = parseAddress(s.slice(0, slash));
    const bitsText = s.slice(slash + 1);
    if (!addr || !/^\d{1,3}$/.test(bitsText)) return undefined;
    const width = addr.v6 ? 128n : 32n;
    const bits = BigInt(Number(bitsText));
    if (bits > width) return undefined;
    const host = (1n << (width - bits)) - 1n;
    return { v6: addr.v6, lo: addr.value & ~host, hi: (addr.value & ~host) | host };
  }
  const dash = s.indexOf('-');
  if (dash > 0) {
    const a = parseAddress(s.slice(0, dash).trim());
    const b = parseAddress(s.slice(dash + 1).trim());
    if (!a || !b || a.v6 !== b.v6 || a.value > b.value) return undefined;
    return { v6: a.v6, lo: a.value, hi: b.value };
  }
  const a = parseAddress(s);
  return a ? { v6: a.v6, lo: a.value, hi: a.value } : undefined;
}

/** Strict form (Azure documents errors for invalid input or mixed families). */
export function ipRangeContainsStrict(range: string, target: string): boolean {
  const r = parseRange(range);
  const t = parseRange(target);
  if (!r || !t) throw fnError('ipRangeContains() needs a valid IP address, CIDR prefix or range');
  if (r.v6 !== t.v6) throw fnError('ipRangeContains() cannot compare IPv4 with IPv6');
  return t.lo >= r.lo && t.hi <= r.hi;
}

export const ipFunctions: FunctionDef[] = [
  def('ipRangeContains', 2, 2, (a) => ipRangeContainsStrict(argString('ipRangeContains', a[0], 0), argString('ipRangeContains', a[1], 1))),
];
