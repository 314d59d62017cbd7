/**
 * IP addresses for threat-intel lists and Sigma's `cidr` modifier: IPv4 and IPv6 parsing (with `ip:port`,
 * `[v6]:port` and IPv4-mapped IPv6 forms normalised away), CIDR ranges and a set that answers "is this address in
 * the list" in O(1) for single addresses and O(log n) for ranges.
 */

export interface ParsedIp {
  version: 4 | 6;
  /** the address as an unsigned integer (IPv4 fits a number; IPv6 needs a bigint) */
  value: bigint;
  /** canonical text: dotted quad, or the full lower-case IPv6 form without zero compression */
  text: string;
}

function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // a trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  if (!head || !rest) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const total = head.length + rest.length;
    if (total > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  } else {
    groups = head;
    if (groups.length !== 8) return undefined;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

function v6Text(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an address, dropping a `:port` suffix on IPv4, `[...]` brackets and ports on IPv6; undefined when not an IP. */
export function parseIp(input: string): ParsedIp | undefined {
  let text = input.trim();
  if (text === '') return undefined;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    text = text.slice(1, end);
  } else if (text.indexOf(':') > 0 && text.indexOf(':') === text.lastIndexOf(':') && text.includes('.')) {
    text = text.slice(0, text.indexOf(':')); // 1.2.3.4:5678
  }
  if (!text.includes(':')) {
    const v4 = parseV4(text);
    return v4 === undefined ? undefined : { version: 4, value: BigInt(v4), text };
  }
  const v6 = parseV6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn && (v6 & ~0xffffffffn) === V4_MAPPED_PREFIX) {
    const v4 = Number(v6 & 0xffffffffn);
    return { version: 4, value: BigInt(v4), text: [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join('.') };
  }
  return { version: 6, value: v6, text: v6Text(v6) };
}

/** Canonical text of an address (undefined when not an IP): the key used by every IP look-up. */
export function normaliseIp(input: string): string | undefined {
  return parseIp(input)?.text;
}

export interface CidrRange {
  version: 4 | 6;
  first: bigint;
  last: bigint;
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(input: string): CidrRange | undefined {
  const slash = input.indexOf('/');
  const ip = parseIp(slash < 0 ? input : input.slice(0, slash));
  if (!ip) return undefined;
  const bits = ip.version === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = input.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const first = ip.value & ~mask & ((1n << BigInt(bits)) - 1n);
  return { version: ip.version, first, last: first | mask };
}

const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
].map((c) => parseCidr(c)!);

/** true for loopback, link-local, RFC 1918, carrier-grade NAT and IPv6 unique-local addresses. */
export function isPrivateIp(ip: ParsedIp): boolean {
  return PRIVATE_RANGES.some((r) => r.version === ip.version && ip.value >= r.first && ip.value <= r.last);
}

/**
 * A set of addresses and ranges. Single addresses go to a hash set; ranges are merged and binary-searched.
 */
export class IpSet {
  private readonly singles = new Set<string>();
  private readonly ranges: { 4: CidrRange[]; 6: CidrRange[] } = { 4: [], 6: [] };
  private sorted = true;

  get size(): number {
    return this.singles.size + this.ranges[4].length + this.ranges[6].length;
  }

  /** Adds an address or CIDR; false when the text is neither. */
  add(entry: string): boolean {
    const text = entry.trim();
    if (!text.includes('/')) {
      const ip = parseIp(text);
      if (!ip) return false;
      this.singles.add(ip.text);
      return true;
    }
    const range = parseCidr(text);
    if (!range) return false;
    if (range.first === range.last) {
      const ip = parseIp(text.slice(0, text.indexOf('/')));
      if (ip) this.singles.add(ip.text);
      return true;
    }
    this.ranges[range.version].push(range);
    this.sorted = false;
    return true;
  }

  private sort(): void {
    for (const v of [4, 6] as const) this.ranges[v].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    this.sorted = true;
  }

  hasParsed(ip: ParsedIp): boolean {
    if (this.singles.has(ip.text)) return true;
    const list = this.ranges[ip.version];
    if (list.length === 0) return false;
    if (!this.sorted) this.sort();
    // the last range starting at or before ip; ranges may overlap, so also scan back while they could contain it
    let lo = 0;
    let hi = list.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].first <= ip.value) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = at; i >= 0 && i > at - 64; i--) if (list[i].last >= ip.value) return true;
    return false;
  }

  has(address: string): boolean {
    const ip = parseIp(address);
    return ip !== undefined && this.hasParsed(ip);
  }
}
