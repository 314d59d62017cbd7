/**
 * Effective network security group (NSG) evaluation for inbound traffic, exact over the whole port space.
 *
 * Semantics (research/attack-paths.md §6, Microsoft Learn "How network security groups filter network traffic"):
 * - inbound traffic passes the subnet NSG first, then the NIC NSG; it must be allowed by both where both exist, and a
 *   level without an NSG is a pass-through (no NSG at all = everything allowed at the NSG layer);
 * - within one NSG rules are evaluated by ascending priority and the first match decides;
 * - the three default inbound rules (AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001, DenyAllInBound 65500)
 *   are added when an NSG row carries no `defaultSecurityRules`;
 * - protocol `*` matches Tcp and Udp; Icmp, Esp and Ah rules never match a Tcp/Udp flow;
 * - destinations: NSGs see traffic after NAT, so the destination is the NIC's private address. Without a destination IP
 *   `*`/Any/0.0.0.0/0, `VirtualNetwork`, any CIDR overlapping private address space and (unknown membership) any
 *   destination application security group match; public CIDRs and other service tags (`Internet`, `Storage`, ...) do
 *   not. With `destinationIp` (and `destinationAsgIds`) the destination test is exact.
 *
 * Sources. Addresses live in one space (IPv4 mapped into IPv6, `::ffff:a.b.c.d`) split into classes: `vnet` (10/8,
 * 172.16/12, 192.168/16, 100.64/10, fc00::/7), `lb` (168.63.129.16, the AzureLoadBalancer address), `other`
 * (0/8, 127/8, 169.254/16, 224/3, ::, ::1, fe80::/10, ff00::/8) and `internet` (everything else).
 * `*`, `Any`, `0.0.0.0/0` and `::/0` match every class; the tags `Internet`, `VirtualNetwork` and `AzureLoadBalancer` match
 * their class; a CIDR matches the addresses it contains; other service tags (`AzureCloud`, `Storage.WestEurope`, ...)
 * and source application security groups match nothing here and are reported as notes by {@link readNsg}.
 *
 * Source ports are chosen by the sender, so a flow is allowed when SOME source port passes both levels (exact: the
 * source-port space is split at every rule's breakpoints, usually just `*`).
 *
 * Cost model. {@link compileNsg} precompiles one rule list once (cached by array identity in a WeakMap: keep the array
 * `nsgRules` returned for an NSG id, or its `CompiledNsg`, and pass that for every NIC). NSGs whose inbound rules have
 * the same content in the same order share one evaluation state. Per (rule content, source atom, protocol, source-port
 * class) the first-match result is a short list of port segments computed by interval arithmetic over the rules' port
 * ranges (no per-port loops); combining the subnet and NIC levels is a linear merge of two segment lists; whole
 * answers are cached per pair of levels (bounded caches, {@link clearNsgCaches}). Measured on 100k NICs behind shared
 * subnet NSGs: parse ≈ 8 µs, compile ≈ 4 µs, `internetExposure` ≈ 1 µs, `vnetReachable` ≈ 1 µs per NIC.
 * No regular expressions are used.
 */
import { PalisadeError } from '../core/index.js';

export type Protocol = 'Tcp' | 'Udp' | 'Icmp' | 'Esp' | 'Ah' | '*';

/** An inclusive port interval, 0–65535. */
export interface PortRange {
  from: number;
  to: number;
}

export interface NsgRule {
  name: string;
  id?: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: Protocol;
  /** address prefixes and service tags as written (`sourceAddressPrefix` + `sourceAddressPrefixes`) */
  sources: string[];
  sourcePorts: PortRange[];
  /** address prefixes and service tags as written (`destinationAddressPrefix` + `destinationAddressPrefixes`) */
  destinations: string[];
  destinationPorts: PortRange[];
  isDefault: boolean;
  /** ids of `sourceApplicationSecurityGroups` (never match internet or abstract VirtualNetwork sources) */
  sourceApplicationSecurityGroups?: string[];
  /** ids of `destinationApplicationSecurityGroups` */
  destinationApplicationSecurityGroups?: string[];
}

/**
 * A problem found while reading an NSG row. `error`: the rule was skipped (malformed). `note`: the rule is kept but part
 * of it is not evaluated (service tags other than Internet/VirtualNetwork/AzureLoadBalancer, application security group
 * sources) or the row is unusual (duplicate priority, which Azure itself rejects).
 */
export interface NsgProblem {
  severity: 'error' | 'note';
  code: string;
  message: string;
  /** rule name when known */
  rule?: string;
  /** JSON path inside the row, e.g. `$.properties.securityRules[2].properties.priority` */
  path: string;
}

export interface NsgReadResult {
  id?: string;
  rules: NsgRule[];
  problems: NsgProblem[];
}

export type SourceClass = 'Internet' | 'VirtualNetwork' | 'AzureLoadBalancer' | { cidr: string };

export interface Exposure {
  protocol: 'Tcp' | 'Udp';
  /** merged, sorted, disjoint */
  ports: PortRange[];
  /** wide: any internet address (`*`, Any, 0.0.0.0/0, Internet); narrow: only the public CIDRs in `sources` */
  width: 'wide' | 'narrow';
  /** wide: the any/Internet tokens of the allowing rules (`['*']` when no NSG exists at either level); narrow: CIDRs */
  sources: string[];
  /** the rule that allowed the traffic at each level (absent: no NSG at that level) — the rule a user would change */
  allowedBy: { subnet?: NsgRule; nic?: NsgRule };
}

export interface DestinationOptions {
  /** the NIC's private IP (exact destination matching) */
  destinationIp?: string;
  /** ids of the application security groups the NIC's IP configuration belongs to (exact ASG destination matching) */
  destinationAsgIds?: string[];
}

export interface ExposureOptions extends DestinationOptions {
  /** restrict the answer to these ports */
  ports?: PortRange[];
}

export interface PathDecision {
  access: 'Allow' | 'Deny';
  /** the first level that denied (inbound order: subnet, then NIC) */
  deniedAt?: 'subnet' | 'nic';
  /** the deciding rule at each level that has an NSG (absent rule with an NSG present: no rule matched) */
  subnet?: { access: 'Allow' | 'Deny'; rule?: NsgRule };
  nic?: { access: 'Allow' | 'Deny'; rule?: NsgRule };
}

export type NsgInput = readonly NsgRule[] | CompiledNsg;

// ---------------------------------------------------------------------------------------------------------------------
// ports

const MAX_PORT = 65535;
const ALL_PORTS: readonly PortRange[] = Object.freeze([Object.freeze({ from: 0, to: MAX_PORT })]);

function parsePortNumber(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n <= MAX_PORT ? n : undefined;
}

function parsePortToken(raw: string): PortRange | undefined {
  const tok = raw.trim();
  if (tok === '*' || tok.toLowerCase() === 'any') return { from: 0, to: MAX_PORT };
  const dash = tok.indexOf('-');
  if (dash < 0) {
    const p = parsePortNumber(tok);
    return p === undefined ? undefined : { from: p, to: p };
  }
  const from = parsePortNumber(tok.slice(0, dash).trim());
  const to = parsePortNumber(tok.slice(dash + 1).trim());
  if (from === undefined || to === undefined || from > to) return undefined;
  return { from, to };
}

/** Sorts and merges overlapping or adjacent ranges. */
export function normalizePortRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = ranges.map((r) => ({ from: r.from, to: r.to })).sort((a, b) => a.from - b.from || a.to - b.to);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) {
      if (r.to > last.to) last.to = r.to;
    } else out.push(r);
  }
  return out;
}

function tryParsePorts(spec: unknown): { ranges: PortRange[] } | { error: string } {
  if (spec === undefined || spec === null) return { ranges: [] };
  const items: unknown[] = Array.isArray(spec) ? spec : [spec];
  const ranges: PortRange[] = [];
  for (const item of items) {
    if (typeof item === 'number' && Number.isInteger(item) && item >= 0 && item <= MAX_PORT) {
      ranges.push({ from: item, to: item });
      continue;
    }
    if (typeof item !== 'string') return { error: `port range ${JSON.stringify(item)} is not a string` };
    if (item.trim() === '') continue; // ARM writes '' for the unused one of xPortRange / xPortRanges
    for (const tok of item.split(',')) {
      const r = parsePortToken(tok);
      if (!r) return { error: `'${item}' is not a port, port range (from-to) or '*'` };
      ranges.push(r);
    }
  }
  return { ranges: normalizePortRanges(ranges) };
}

/**
 * Parses NSG port specifications: `'*'`, `'22'`, `'80-443'`, comma lists and arrays of these (`[]`/`''`/undefined →
 * `[]`). The result is sorted and merged. Throws a `PalisadeError` (`NsgInvalidPortRange`) on a malformed token.
 */
export function parsePortRanges(spec: string | string[] | undefined): PortRange[] {
  const r = tryParsePorts(spec);
  if ('error' in r) throw new PalisadeError('NsgInvalidPortRange', r.error, { kind: 'argument' });
  return r.ranges;
}

/** a ∩ b and a − b for sorted disjoint lists. */
function splitRanges(a: readonly PortRange[], b: readonly PortRange[]): { inside: PortRange[]; outside: PortRange[] } {
  const inside: PortRange[] = [];
  const outside: PortRange[] = [];
  let j = 0;
  for (const r of a) {
    let cur = r.from;
    while (j < b.length && b[j].to < cur) j++;
    let k = j;
    while (cur <= r.to) {
      if (k >= b.length || b[k].from > r.to) {
        outside.push({ from: cur, to: r.to });
        break;
      }
      const s = b[k];
      if (s.from > cur) outside.push({ from: cur, to: s.from - 1 });
      const lo = Math.max(cur, s.from);
      const hi = Math.min(r.to, s.to);
      inside.push({ from: lo, to: hi });
      cur = hi + 1;
      if (s.to <= r.to) k++;
    }
  }
  return { inside, outside };
}

function containsPort(ranges: readonly PortRange[], p: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (p < r.from) hi = mid - 1;
    else if (p > r.to) lo = mid + 1;
    else return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------------
// addresses (IPv4 mapped into the IPv6 space, as bigints; only used when rules name CIDRs, never per port)

const V4BASE = 0xffff00000000n;
const V6MAX = (1n << 128n) - 1n;

function parseIPv4(s: string): number | undefined {
  let parts = 0;
  let cur = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || parts === 3) return undefined;
      value = value * 256 + cur;
      parts++;
      cur = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return undefined;
    cur = cur * 10 + (c - 48);
    digits++;
    if (cur > 255 || digits > 3) return undefined;
  }
  if (digits === 0 || parts !== 3) return undefined;
  return value * 256 + cur;
}

function parseHexGroups(p: string): number[] | undefined {
  if (p === '') return [];
  const out: number[] = [];
  for (const g of p.split(':')) {
    if (g.length === 0 || g.length > 4) return undefined;
    let v = 0;
    for (let i = 0; i < g.length; i++) {
      const c = g.charCodeAt(i) | 0x20; // lower-case letters; digits unchanged
      if (c >= 48 && c <= 57) v = v * 16 + (c - 48);
      else if (c >= 97 && c <= 102) v = v * 16 + (c - 87);
      else return undefined;
    }
    out.push(v);
  }
  return out;
}

function parseIPv6(s: string): bigint | undefined {
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  let head = s;
  let tail: number | undefined;
  if (s.indexOf('.', lastColon) >= 0) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.indexOf('::');
  let groups: number[];
  if (dbl >= 0) {
    if (head.indexOf('::', dbl + 1) >= 0) return undefined;
    const left = parseHexGroups(head.slice(0, dbl));
    const right = parseHexGroups(head.slice(dbl + 2));
    if (!left || !right) return undefined;
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    const all = parseHexGroups(head);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tail !== undefined) v = (v & ~0xffffffffn) | BigInt(tail);
  return v;
}

interface AddrRange {
  lo: bigint;
  hi: bigint;
}

/** `a.b.c.d`, `a.b.c.d/n`, IPv6 and IPv6/n → a range in the unified space (host bits are masked off). */
function parseCidr(text: string): AddrRange | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v6 = addr.indexOf(':') >= 0;
  const width = v6 ? 128 : 32;
  let len = width;
  if (slash >= 0) {
    const n = parsePortNumber(text.slice(slash + 1));
    if (n === undefined || n > width) return undefined;
    len = n;
  }
  let base: bigint;
  if (v6) {
    const v = parseIPv6(addr);
    if (v === undefined) return undefined;
    base = v;
  } else {
    const v = parseIPv4(addr);
    if (v === undefined) return undefined;
    base = BigInt(v);
  }
  const size = 1n << BigInt(width - len);
  const lo = base - (base % size);
  const hi = lo + size - 1n;
  return v6 ? { lo, hi } : { lo: V4BASE + lo, hi: V4BASE + hi };
}

function formatIPv4(v: bigint): string {
  const n = Number(v - V4BASE);
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]): string => a.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** A range as the minimal list of CIDR blocks (a single host is written without a prefix length). */
function rangeToCidrs(lo: bigint, hi: bigint): string[] {
  const v4 = lo >= V4BASE && hi <= V4BASE + 0xffffffffn;
  const width = v4 ? 32 : 128;
  const off = v4 ? V4BASE : 0n;
  let a = lo - off;
  const b = hi - off;
  const out: string[] = [];
  while (a <= b) {
    let bits = 0;
    while (bits < width && (a & ((1n << BigInt(bits + 1)) - 1n)) === 0n && a + (1n << BigInt(bits + 1)) - 1n <= b) bits++;
    const text = v4 ? formatIPv4(a + off) : formatIPv6(a);
    out.push(bits === 0 ? text : `${text}/${width - bits}`);
    a += 1n << BigInt(bits);
  }
  return out;
}

// address classes
const L_INTERNET = 0;
const L_VNET = 1;
const L_LB = 2;
const L_OTHER = 3;
const ALL_LABELS = 0b1111;

interface LabelledRange extends AddrRange {
  label: number;
}

function mustCidr(text: string): AddrRange {
  const r = parseCidr(text);
  if (!r) throw new Error(`internal: bad CIDR ${text}`);
  return r;
}

/** The whole address space split into classes, sorted; gaps between special ranges are `internet`. */
const CLASS_MAP: readonly LabelledRange[] = (() => {
  const special: Array<[string, number]> = [
    ['::/128', L_OTHER],
    ['::1/128', L_OTHER],
    ['0.0.0.0/8', L_OTHER],
    ['10.0.0.0/8', L_VNET],
    ['100.64.0.0/10', L_VNET],
    ['127.0.0.0/8', L_OTHER],
    ['168.63.129.16/32', L_LB],
    ['169.254.0.0/16', L_OTHER],
    ['172.16.0.0/12', L_VNET],
    ['192.168.0.0/16', L_VNET],
    ['224.0.0.0/3', L_OTHER],
    ['fc00::/7', L_VNET],
    ['fe80::/10', L_OTHER],
    ['ff00::/8', L_OTHER],
  ];
  const ranges = special.map(([c, label]) => ({ ...mustCidr(c), label })).sort((x, y) => (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0));
  const out: LabelledRange[] = [];
  let next = 0n;
  for (const r of ranges) {
    if (r.lo > next) out.push({ lo: next, hi: r.lo - 1n, label: L_INTERNET });
    out.push(r);
    next = r.hi + 1n;
  }
  if (next <= V6MAX) out.push({ lo: next, hi: V6MAX, label: L_INTERNET });
  return out;
})();

function labelOf(addr: bigint): number {
  let lo = 0;
  let hi = CLASS_MAP.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = CLASS_MAP[mid];
    if (addr < r.lo) hi = mid - 1;
    else if (addr > r.hi) lo = mid + 1;
    else return r.label;
  }
  return L_INTERNET;
}

/** Splits [lo, hi] along the class map. */
function classify(range: AddrRange): LabelledRange[] {
  const out: LabelledRange[] = [];
  for (const c of CLASS_MAP) {
    if (c.hi < range.lo || c.lo > range.hi) continue;
    out.push({ lo: c.lo > range.lo ? c.lo : range.lo, hi: c.hi < range.hi ? c.hi : range.hi, label: c.label });
  }
  return out;
}

function overlapsLabel(range: AddrRange, label: number): boolean {
  return classify(range).some((r) => r.label === label);
}

/** A set of source addresses a question ranges over, split into labelled, sorted, disjoint ranges. */
interface Universe {
  key: string;
  ranges: readonly LabelledRange[];
}

const INTERNET_UNIVERSE: Universe = { key: 'internet', ranges: CLASS_MAP.filter((r) => r.label === L_INTERNET) };
const VNET_UNIVERSE: Universe = { key: 'vnet', ranges: CLASS_MAP.filter((r) => r.label === L_VNET) };
const LB_UNIVERSE: Universe = { key: 'lb', ranges: CLASS_MAP.filter((r) => r.label === L_LB) };

function cidrUniverse(cidr: string): Universe {
  const r = parseCidr(cidr.trim());
  if (!r) throw new PalisadeError('NsgInvalidAddress', `'${cidr}' is not an IP address or CIDR`, { kind: 'argument' });
  return { key: `cidr:${r.lo}-${r.hi}`, ranges: classify(r) };
}

/** Address prefixes of a virtual network (all labelled `vnet`, so the VirtualNetwork tag matches them). */
function prefixesUniverse(prefixes: readonly string[]): Universe {
  const ranges: AddrRange[] = [];
  for (const p of prefixes) {
    const r = parseCidr(p.trim());
    if (!r) throw new PalisadeError('NsgInvalidAddress', `'${p}' is not an IP address or CIDR`, { kind: 'argument' });
    ranges.push(r);
  }
  ranges.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const merged: LabelledRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.lo <= last.hi + 1n) {
      if (r.hi > last.hi) last.hi = r.hi;
    } else merged.push({ lo: r.lo, hi: r.hi, label: L_VNET });
  }
  return { key: `vnet:${merged.map((r) => `${r.lo}-${r.hi}`).join(',')}`, ranges: merged };
}

// ---------------------------------------------------------------------------------------------------------------------
// reading NSG rows

type AddrToken =
  | { kind: 'any' }
  | { kind: 'tag'; label: number }
  | { kind: 'otherTag' }
  | { kind: 'cidr'; range: AddrRange }
  | { kind: 'invalid' };

function startsLikeAddress(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || s.indexOf(':') >= 0;
}

const TOKEN_ANY: AddrToken = { kind: 'any' };
const TOKEN_INVALID: AddrToken = { kind: 'invalid' };
const TOKEN_OTHER_TAG: AddrToken = { kind: 'otherTag' };
const TOKEN_TAGS = new Map<string, AddrToken>([
  ['internet', { kind: 'tag', label: L_INTERNET }],
  ['virtualnetwork', { kind: 'tag', label: L_VNET }],
  ['azureloadbalancer', { kind: 'tag', label: L_LB }],
  ['Internet', { kind: 'tag', label: L_INTERNET }],
  ['VirtualNetwork', { kind: 'tag', label: L_VNET }],
  ['AzureLoadBalancer', { kind: 'tag', label: L_LB }],
  ['any', TOKEN_ANY],
  ['Any', TOKEN_ANY],
]);

function classifyAddress(raw: string): AddrToken {
  const s = raw.trim();
  if (s === '') return TOKEN_INVALID;
  if (s === '*') return TOKEN_ANY;
  if (startsLikeAddress(s)) {
    const r = parseCidr(s);
    if (!r) return TOKEN_INVALID;
    if ((r.lo === V4BASE && r.hi === V4BASE + 0xffffffffn) || (r.lo === 0n && r.hi === V6MAX)) return TOKEN_ANY;
    return { kind: 'cidr', range: r };
  }
  return TOKEN_TAGS.get(s) ?? TOKEN_TAGS.get(s.toLowerCase()) ?? TOKEN_OTHER_TAG;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Single-token address lists are interned (frozen, shared): most rules name `*`, a tag or one prefix. */
const singleLists = new Map<string, string[]>();

function single(token: string): string[] {
  let list = singleLists.get(token);
  if (!list) {
    if (singleLists.size >= 10_000) singleLists.clear();
    list = Object.freeze([token]) as string[];
    singleLists.set(token, list);
  }
  return list;
}

function stringList(one: unknown, list: unknown): string[] | undefined {
  if (typeof one === 'string' && one.trim() !== '' && (list === undefined || list === null || (Array.isArray(list) && list.length === 0))) return single(one);
  const out: string[] = [];
  if (one !== undefined && one !== null) {
    if (typeof one !== 'string') return undefined;
    if (one.trim() !== '') out.push(one);
  }
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) return undefined;
    for (const x of list) {
      if (typeof x !== 'string') return undefined;
      if (x.trim() !== '') out.push(x);
    }
  }
  return out.length === 1 ? single(out[0]) : out;
}

const NO_ASGS: readonly string[] = Object.freeze([]);

function asgIds(v: unknown): readonly string[] | undefined {
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return NO_ASGS;
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const x of v) {
    const id = typeof x === 'string' ? x : isRecord(x) && typeof x.id === 'string' ? x.id : undefined;
    if (id === undefined) return undefined;
    out.push(id);
  }
  return out;
}

const CANONICAL_DIRECTION = new Map<string, 'Inbound' | 'Outbound'>([
  ['inbound', 'Inbound'],
  ['outbound', 'Outbound'],
]);
const CANONICAL_ACCESS = new Map<string, 'Allow' | 'Deny'>([
  ['allow', 'Allow'],
  ['deny', 'Deny'],
]);
const PROTOCOLS = new Map<string, Protocol>([
  ['Tcp', 'Tcp'],
  ['Udp', 'Udp'],
  ['Icmp', 'Icmp'],
  ['Esp', 'Esp'],
  ['Ah', 'Ah'],
  ['tcp', 'Tcp'],
  ['udp', 'Udp'],
  ['icmp', 'Icmp'],
  ['esp', 'Esp'],
  ['ah', 'Ah'],
  ['*', '*'],
  ['any', '*'],
]);

/** `*` ports of parsed rules: one frozen array shared by every rule (rules are immutable). */
const ALL_PORTS_SHARED = ALL_PORTS as PortRange[];

/** Reads a port field pair (`xPortRange` + `xPortRanges`); a string is an error message. */
function readPorts(single: unknown, list: unknown): PortRange[] | string {
  // fast path: the usual ARM shape, one string and an empty list
  if (typeof single === 'string' && (list === undefined || list === null || (Array.isArray(list) && list.length === 0))) {
    if (single === '*') return ALL_PORTS_SHARED;
    if (single.indexOf(',') < 0 && single.trim() !== '') {
      const r = parsePortToken(single);
      return r ? [r] : `'${single}' is not a port, port range (from-to) or '*'`;
    }
  }
  const a = tryParsePorts(single);
  if ('error' in a) return a.error;
  const b = tryParsePorts(list);
  if ('error' in b) return b.error;
  return b.ranges.length === 0 ? a.ranges : a.ranges.length === 0 ? b.ranges : normalizePortRanges([...a.ranges, ...b.ranges]);
}

/** Where a rule sits in its row: `$.properties.securityRules[3]` (made only when a problem is reported). */
interface RulePlace {
  base: string;
  field: string;
  index: number;
}

function placePath(place: RulePlace): string {
  return `${place.base}.${place.field}[${place.index}]`;
}

function readRule(raw: unknown, place: RulePlace, isDefault: boolean, problems: NsgProblem[]): NsgRule | undefined {
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', code: 'NsgRuleNotObject', message: 'security rule is not an object', path: placePath(place) });
    return undefined;
  }
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  const props = isRecord(raw.properties) ? raw.properties : raw;
  const at = (field: string): string => `${placePath(place)}${props === raw ? '' : '.properties'}.${field}`;
  const fail = (code: string, field: string, message: string): undefined => {
    problems.push({ severity: 'error', code, message: `${name ? `rule '${name}': ` : ''}${message}; rule skipped`, rule: name, path: at(field) });
    return undefined;
  };
  if (name === undefined) return fail('NsgRuleMissingName', 'name', 'rule has no name');
  const priority = props.priority;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0) return fail('NsgRuleInvalidPriority', 'priority', `priority ${JSON.stringify(priority)} is not a non-negative integer`);
  const direction = props.direction === 'Inbound' || props.direction === 'Outbound' ? props.direction : typeof props.direction === 'string' ? CANONICAL_DIRECTION.get(props.direction.toLowerCase()) : undefined;
  if (direction === undefined) return fail('NsgRuleInvalidDirection', 'direction', `direction ${JSON.stringify(props.direction)} is not Inbound or Outbound`);
  const access = props.access === 'Allow' || props.access === 'Deny' ? props.access : typeof props.access === 'string' ? CANONICAL_ACCESS.get(props.access.toLowerCase()) : undefined;
  if (access === undefined) return fail('NsgRuleInvalidAccess', 'access', `access ${JSON.stringify(props.access)} is not Allow or Deny`);
  const protocol = typeof props.protocol === 'string' ? (PROTOCOLS.get(props.protocol) ?? PROTOCOLS.get(props.protocol.toLowerCase())) : undefined;
  if (protocol === undefined) return fail('NsgRuleInvalidProtocol', 'protocol', `protocol ${JSON.stringify(props.protocol)} is not Tcp, Udp, Icmp, Esp, Ah or *`);

  const sourcePorts = readPorts(props.sourcePortRange, props.sourcePortRanges);
  if (typeof sourcePorts === 'string') return fail('NsgRuleInvalidPort', 'sourcePortRange', sourcePorts);
  if (sourcePorts.length === 0) return fail('NsgRuleInvalidPort', 'sourcePortRange', 'neither sourcePortRange nor sourcePortRanges is set');
  const destinationPorts = readPorts(props.destinationPortRange, props.destinationPortRanges);
  if (typeof destinationPorts === 'string') return fail('NsgRuleInvalidPort', 'destinationPortRange', destinationPorts);
  if (destinationPorts.length === 0) return fail('NsgRuleInvalidPort', 'destinationPortRange', 'neither destinationPortRange nor destinationPortRanges is set');

  const sources = stringList(props.sourceAddressPrefix, props.sourceAddressPrefixes);
  if (!sources) return fail('NsgRuleInvalidAddress', 'sourceAddressPrefixes', 'source address prefixes are not strings');
  const destinations = stringList(props.destinationAddressPrefix, props.destinationAddressPrefixes);
  if (!destinations) return fail('NsgRuleInvalidAddress', 'destinationAddressPrefixes', 'destination address prefixes are not strings');
  const srcAsgs = asgIds(props.sourceApplicationSecurityGroups);
  if (!srcAsgs) return fail('NsgRuleInvalidAsg', 'sourceApplicationSecurityGroups', 'sourceApplicationSecurityGroups is not a list of {id}');
  const dstAsgs = asgIds(props.destinationApplicationSecurityGroups);
  if (!dstAsgs) return fail('NsgRuleInvalidAsg', 'destinationApplicationSecurityGroups', 'destinationApplicationSecurityGroups is not a list of {id}');
  if (sources.length === 0 && srcAsgs.length === 0) return fail('NsgRuleNoSource', 'sourceAddressPrefix', 'rule has no source (address prefix, service tag or application security group)');
  if (destinations.length === 0 && dstAsgs.length === 0) return fail('NsgRuleNoDestination', 'destinationAddressPrefix', 'rule has no destination');
  let tags: string[] | undefined;
  for (const src of sources) {
    const kind = classifyAddress(src).kind;
    if (kind === 'invalid') return fail('NsgRuleInvalidAddress', 'sourceAddressPrefix', `'${src}' is not an IP address, CIDR, service tag or '*'`);
    if (kind === 'otherTag') (tags ??= []).push(src);
  }
  for (const dst of destinations) {
    if (classifyAddress(dst).kind === 'invalid') return fail('NsgRuleInvalidAddress', 'destinationAddressPrefix', `'${dst}' is not an IP address, CIDR, service tag or '*'`);
  }

  const rule: NsgRule = { name, priority, direction, access, protocol, sources, sourcePorts, destinations, destinationPorts, isDefault };
  if (typeof raw.id === 'string') rule.id = raw.id;
  if (srcAsgs.length > 0) rule.sourceApplicationSecurityGroups = [...srcAsgs];
  if (dstAsgs.length > 0) rule.destinationApplicationSecurityGroups = [...dstAsgs];

  if (tags) {
    problems.push({
      severity: 'note',
      code: 'NsgServiceTagNotEvaluated',
      message: `rule '${name}': source service tag${tags.length > 1 ? 's' : ''} ${tags.map((t) => `'${t}'`).join(', ')} treated as neither internet nor virtual network`,
      rule: name,
      path: at('sourceAddressPrefix'),
    });
  }
  if (srcAsgs.length > 0) {
    problems.push({
      severity: 'note',
      code: 'NsgAsgSourceNotEvaluated',
      message: `rule '${name}': source application security groups match neither internet nor abstract VirtualNetwork sources`,
      rule: name,
      path: at('sourceApplicationSecurityGroups'),
    });
  }
  return rule;
}

function defaultRule(name: string, priority: number, direction: 'Inbound' | 'Outbound', access: 'Allow' | 'Deny', source: string, destination: string): NsgRule {
  return { name, priority, direction, access, protocol: '*', sources: [source], sourcePorts: [{ from: 0, to: MAX_PORT }], destinations: [destination], destinationPorts: [{ from: 0, to: MAX_PORT }], isDefault: true };
}

/** The six default security rules Azure adds to every NSG (fresh objects). */
export function defaultSecurityRules(): NsgRule[] {
  return [
    defaultRule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    defaultRule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
    defaultRule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    defaultRule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    defaultRule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
    defaultRule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
  ];
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The defaults added to rows without `defaultSecurityRules`: one frozen set shared by every such NSG. */
const SHARED_DEFAULTS: readonly NsgRule[] = deepFreeze(defaultSecurityRules());

/** The six defaults by name. */
const STANDARD_DEFAULTS = new Map<string, NsgRule>(SHARED_DEFAULTS.map((r) => [r.name, r]));

function absentOrEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
}

/**
 * A default rule written as Azure writes it (ARM shape, the default's own name, priority, direction, access, `*`
 * protocol and ports, and its address prefix or tag), made without the checks of `readRule`, which would find nothing
 * to report; anything else returns undefined and is read in full. Every NSG row carries six of these.
 */
function standardDefault(raw: unknown): NsgRule | undefined {
  if (!isRecord(raw) || typeof raw.name !== 'string') return undefined;
  const template = STANDARD_DEFAULTS.get(raw.name);
  const p = raw.properties;
  if (template === undefined || !isRecord(p)) return undefined;
  if (
    p.priority !== template.priority ||
    p.direction !== template.direction ||
    p.access !== template.access ||
    p.protocol !== '*' ||
    p.sourcePortRange !== '*' ||
    p.destinationPortRange !== '*' ||
    p.sourceAddressPrefix !== template.sources[0] ||
    p.destinationAddressPrefix !== template.destinations[0] ||
    !absentOrEmpty(p.sourcePortRanges) ||
    !absentOrEmpty(p.destinationPortRanges) ||
    !absentOrEmpty(p.sourceAddressPrefixes) ||
    !absentOrEmpty(p.destinationAddressPrefixes) ||
    !absentOrEmpty(p.sourceApplicationSecurityGroups) ||
    !absentOrEmpty(p.destinationApplicationSecurityGroups)
  ) {
    return undefined;
  }
  const sources = single(template.sources[0]);
  const destinations = single(template.destinations[0]);
  // The fields in readRule's order, \`id\` last (it adds it last); one literal, so no property is added afterwards.
  if (typeof raw.id !== 'string') {
    return { name: template.name, priority: template.priority, direction: template.direction, access: template.access, protocol: '*', sources, sourcePorts: ALL_PORTS_SHARED, destinations, destinationPorts: ALL_PORTS_SHARED, isDefault: true };
  }
  return {
    name: template.name,
    priority: template.priority,
    direction: template.direction,
    access: template.access,
    protocol: '*',
    sources,
    sourcePorts: ALL_PORTS_SHARED,
    destinations,
    destinationPorts: ALL_PORTS_SHARED,
    isDefault: true,
    id: raw.id,
  };
}

/**
 * Reads an NSG row (ARG/ARM shape `{id, properties: {securityRules, defaultSecurityRules}}`; the flattened `az` shape
 * with rule fields outside `properties` is accepted too). Returns custom and default rules sorted by priority (stable:
 * input order among equal priorities), the six Azure defaults added when the row has no (or an empty)
 * `defaultSecurityRules` (shared, frozen objects: treat every returned rule as immutable), and the problems found:
 * malformed rules are skipped and reported with severity `error`.
 */
export function readNsg(row: unknown): NsgReadResult {
  const problems: NsgProblem[] = [];
  const rules: NsgRule[] = [];
  if (!isRecord(row)) {
    problems.push({ severity: 'error', code: 'NsgNotObject', message: 'NSG row is not an object; only default rules used', path: '$' });
    return { rules: defaultSecurityRules(), problems };
  }
  const id = typeof row.id === 'string' ? row.id : undefined;
  const hasProps = isRecord(row.properties);
  const props = hasProps ? (row.properties as Record<string, unknown>) : row;
  const base = hasProps ? '$.properties' : '$';
  let sawDefaults = false;
  for (const [field, isDefault] of [
    ['securityRules', false],
    ['defaultSecurityRules', true],
  ] as const) {
    const list = props[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems.push({ severity: 'error', code: 'NsgRulesNotArray', message: `${field} is not an array; ignored`, path: `${base}.${field}` });
      continue;
    }
    if (isDefault && list.length > 0) sawDefaults = true;
    for (let i = 0; i < list.length; i++) {
      const raw: unknown = list[i];
      const rule = (isDefault ? standardDefault(raw) : undefined) ?? readRule(raw, { base, field, index: i }, isDefault, problems);
      if (rule) rules.push(rule);
    }
  }
  if (!sawDefaults) rules.push(...SHARED_DEFAULTS);
  rules.sort((a, b) => a.priority - b.priority);
  const seen = new Map<number, NsgRule>();
  for (const r of rules) {
    const key = r.priority * 2 + (r.direction === 'Inbound' ? 0 : 1);
    const other = seen.get(key);
    if (other) {
      problems.push({
        severity: 'note',
        code: 'NsgDuplicatePriority',
        message: `rules '${other.name}' and '${r.name}' share ${r.direction.toLowerCase()} priority ${r.priority} (Azure rejects this); '${other.name}' is evaluated first`,
        rule: r.name,
        path: base,
      });
    } else seen.set(key, r);
  }
  return id === undefined ? { rules, problems } : { id, rules, problems };
}

/** {@link readNsg}'s rules only (problems dropped; call `readNsg` to report them). */
export function nsgRules(nsgRow: unknown): NsgRule[] {
  return readNsg(nsgRow).rules;
}

// ---------------------------------------------------------------------------------------------------------------------
// compiled NSGs

/** A rule compiled for evaluation. Content only (no name/id/priority), so NSGs with equal rule content share it. */
interface CRule {
  /** position in the NSG's inbound evaluation order */
  idx: number;
  allow: boolean;
  tcp: boolean;
  udp: boolean;
  dports: readonly PortRange[];
  sports: readonly PortRange[];
  sportsAll: boolean;
  /** bit per address class matched by `*`/tags */
  srcLabels: number;
  srcRanges: AddrRange[];
  /** the any/Internet tokens as written (what makes the rule match any internet address) */
  wideTokens: string[];
  dstAny: boolean;
  dstVnetTag: boolean;
  dstRanges: AddrRange[];
  /** true when a destination CIDR overlaps private address space (matches without a destination IP) */
  dstPrivateCidr: boolean;
  dstAsgs: string[];
}

interface Atom {
  label: number;
  cover: ReadonlySet<number> | null;
  key: string;
}

const GENERIC: readonly Atom[] = [0, 1, 2, 3].map((label) => ({ label, cover: null, key: String(label) }));

interface Piece extends LabelledRange {
  atom: Atom;
}

interface Seg {
  from: number;
  to: number;
  allow: boolean;
  rule: CRule | undefined;
}

const TCP = 0;
const UDP = 1;

/** One level's evaluation view for one destination context: applicable rules and cached first-match results. */
interface Side {
  readonly uid: number;
  readonly sportStarts: readonly number[];
  segs(atom: Atom, proto: number, sport: number): readonly Seg[];
  pieces(u: Universe): readonly Piece[];
}

const ALLOW_ALL: readonly Seg[] = [{ from: 0, to: MAX_PORT, allow: true, rule: undefined }];

/** A level without an NSG: pass-through. */
const NO_NSG: Side = { uid: 0, sportStarts: [0], segs: () => ALLOW_ALL, pieces: () => [] };

let nextUid = 1;

class ContextSide implements Side {
  readonly uid = nextUid++;
  readonly sportStarts: readonly number[];
  private readonly cache = new Map<string, readonly Seg[]>();

  constructor(
    private readonly core: NsgCore,
    private readonly rules: readonly CRule[],
  ) {
    const starts = new Set<number>([0]);
    for (const r of rules) {
      if (r.sportsAll) continue;
      for (const p of r.sports) {
        starts.add(p.from);
        if (p.to < MAX_PORT) starts.add(p.to + 1);
      }
    }
    this.sportStarts = [...starts].sort((a, b) => a - b);
  }

  pieces(u: Universe): readonly Piece[] {
    return this.core.piecesFor(u);
  }

  segs(atom: Atom, proto: number, sport: number): readonly Seg[] {
    const key = `${atom.key}|${proto}|${sport}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const bit = 1 << atom.label;
    const out: Seg[] = [];
    let undecided: readonly PortRange[] = ALL_PORTS;
    for (const r of this.rules) {
      if (proto === TCP ? !r.tcp : !r.udp) continue;
      if (!r.sportsAll && !containsPort(r.sports, sport)) continue;
      if ((r.srcLabels & bit) === 0 && (atom.cover === null || !atom.cover.has(r.idx))) continue;
      const { inside, outside } = splitRanges(undecided, r.dports);
      for (const p of inside) out.push({ from: p.from, to: p.to, allow: r.allow, rule: r });
      undecided = outside;
      if (undecided.length === 0) break;
    }
    for (const p of undecided) out.push({ from: p.from, to: p.to, allow: false, rule: undefined });
    out.sort((a, b) => a.from - b.from);
    this.cache.set(key, out);
    return out;
  }
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Evaluation state shared by every NSG whose inbound rules have the same content in the same order. */
class NsgCore {
  readonly crules: CRule[];
  private readonly ipDependent: boolean;
  private readonly contexts = new Map<string, ContextSide>();
  private readonly pieceCache = new Map<string, readonly Piece[]>();
  private readonly atoms = new Map<string, Atom>();

  constructor(inbound: readonly NsgRule[]) {
    this.crules = inbound.map((rule, idx) => {
      let srcLabels = 0;
      const srcRanges: AddrRange[] = [];
      const wideTokens: string[] = [];
      for (const s of rule.sources) {
        const t = classifyAddress(s);
        if (t.kind === 'any') {
          srcLabels = ALL_LABELS;
          wideTokens.push(s);
        } else if (t.kind === 'tag') {
          srcLabels |= 1 << t.label;
          if (t.label === L_INTERNET) wideTokens.push(s);
        } else if (t.kind === 'cidr') srcRanges.push(t.range);
      }
      let dstAny = false;
      let dstVnetTag = false;
      let dstPrivateCidr = false;
      const dstRanges: AddrRange[] = [];
      for (const d of rule.destinations) {
        const t = classifyAddress(d);
        if (t.kind === 'any') dstAny = true;
        else if (t.kind === 'tag' && t.label === L_VNET) dstVnetTag = true;
        else if (t.kind === 'cidr') {
          dstRanges.push(t.range);
          if (overlapsLabel(t.range, L_VNET)) dstPrivateCidr = true;
        }
      }
      const sports = normalizePortRanges(rule.sourcePorts);
      return {
        idx,
        allow: rule.access === 'Allow',
        tcp: rule.protocol === 'Tcp' || rule.protocol === '*',
        udp: rule.protocol === 'Udp' || rule.protocol === '*',
        dports: normalizePortRanges(rule.destinationPorts),
        sports,
        sportsAll: sports.length === 1 && sports[0].from === 0 && sports[0].to === MAX_PORT,
        srcLabels,
        srcRanges,
        wideTokens,
        dstAny,
        dstVnetTag,
        dstRanges,
        dstPrivateCidr,
        dstAsgs: (rule.destinationApplicationSecurityGroups ?? []).map((a) => a.toLowerCase()),
      };
    });
    this.ipDependent = this.crules.some((r) => !r.dstAny && (r.dstVnetTag || r.dstRanges.length > 0 || r.dstAsgs.length > 0));
  }

  /** The evaluation view for one destination context (cached by the set of applicable rules). */
  side(dest: DestinationOptions | undefined): Side {
    const ipText = dest?.destinationIp;
    const asgs = dest?.destinationAsgIds;
    let key = 'default';
    let applicable: boolean[] | undefined;
    if ((ipText !== undefined || asgs !== undefined) && this.ipDependent) {
      let ip: bigint | undefined;
      if (ipText !== undefined) {
        const r = parseCidr(ipText.trim());
        if (!r || r.lo !== r.hi) throw new PalisadeError('NsgInvalidAddress', `destinationIp '${ipText}' is not an IP address`, { kind: 'argument' });
        ip = r.lo;
      }
      const asgSet = asgs === undefined ? undefined : new Set(asgs.map((a) => a.toLowerCase()));
      const label = ip === undefined ? -1 : labelOf(ip);
      applicable = this.crules.map((r) => {
        if (r.dstAny) return true;
        if (r.dstVnetTag && (ip === undefined || label === L_VNET)) return true;
        if (ip === undefined ? r.dstPrivateCidr : r.dstRanges.some((d) => d.lo <= ip && ip <= d.hi)) return true;
        for (const a of r.dstAsgs) if (asgSet === undefined || asgSet.has(a)) return true;
        return false;
      });
      key = applicable.map((b) => (b ? '1' : '0')).join('');
    }
    let side = this.contexts.get(key);
    if (!side) {
      const flags = applicable ?? this.crules.map((r) => r.dstAny || r.dstVnetTag || r.dstPrivateCidr || r.dstAsgs.length > 0);
      side = new ContextSide(
        this,
        this.crules.filter((_, i) => flags[i]),
      );
      this.contexts.set(key, side);
    }
    return side;
  }

  private atom(label: number, cover: number[]): Atom {
    const key = `${label}:${cover.join(',')}`;
    let a = this.atoms.get(key);
    if (!a) {
      a = { label, cover: new Set(cover), key };
      this.atoms.set(key, a);
    }
    return a;
  }

  /** The parts of `u` that some rule CIDR covers, each with the set of rules covering it. */
  piecesFor(u: Universe): readonly Piece[] {
    const hit = this.pieceCache.get(u.key);
    if (hit) return hit;
    const ranges: Array<{ lo: bigint; hi: bigint; idx: number }> = [];
    for (const r of this.crules) for (const s of r.srcRanges) ranges.push({ lo: s.lo, hi: s.hi, idx: r.idx });
    const out: Piece[] = [];
    if (ranges.length > 0) {
      const points = new Set<bigint>();
      for (const r of u.ranges) {
        points.add(r.lo);
        points.add(r.hi + 1n);
      }
      for (const r of ranges) {
        points.add(r.lo);
        points.add(r.hi + 1n);
      }
      const sorted = [...points].sort(compareBig);
      let ui = 0;
      for (let i = 0; i + 1 < sorted.length; i++) {
        const lo = sorted[i];
        const hi = sorted[i + 1] - 1n;
        while (ui < u.ranges.length && u.ranges[ui].hi < lo) ui++;
        if (ui >= u.ranges.length) break;
        const ur = u.ranges[ui];
        if (ur.lo > lo) continue;
        const cover = new Set<number>();
        for (const r of ranges) if (r.lo <= lo && hi <= r.hi) cover.add(r.idx);
        if (cover.size === 0) continue;
        const atom = this.atom(
          ur.label,
          [...cover].sort((a, b) => a - b),
        );
        const last = out[out.length - 1];
        if (last && last.atom === atom && last.hi + 1n === lo) last.hi = hi;
        else out.push({ lo, hi, label: ur.label, atom });
      }
    }
    if (this.pieceCache.size > 256) this.pieceCache.clear();
    this.pieceCache.set(u.key, out);
    return out;
  }
}

const ALL_PORTS_KEY = `0-${MAX_PORT},`;

function portsKey(ranges: readonly PortRange[]): string {
  if (ranges === ALL_PORTS_SHARED) return ALL_PORTS_KEY;
  let s = '';
  for (const p of ranges) s += `${p.from}-${p.to},`;
  return s;
}

function listKey(list: readonly string[]): string {
  return list.length === 1 ? list[0] : list.join(',');
}

/** What evaluation depends on: rule content and order (not names, ids or priority numbers). */
function signature(inbound: readonly NsgRule[]): string {
  let s = '';
  for (const r of inbound) {
    const asgs = r.destinationApplicationSecurityGroups;
    s += `${r.access}|${r.protocol}|${listKey(r.sources)}|${portsKey(r.sourcePorts)}|${listKey(r.destinations)}|${portsKey(r.destinationPorts)}|${asgs === undefined || asgs.length === 0 ? '' : asgs.join(',').toLowerCase()}\n`;
  }
  return s;
}

const MAX_SHARED = 50_000;
const cores = new Map<string, NsgCore>();

/**
 * One NSG's inbound rules, precompiled. Obtain with {@link compileNsg}; all evaluation functions accept either this or
 * the rule array (compiled on first use and cached by array identity). NSGs whose inbound rules have the same content
 * in the same order (names, ids and priority numbers aside) share one evaluation state, so an estate with thousands
 * of NIC NSGs cut from a few templates evaluates each template once.
 */
export class CompiledNsg {
  /** inbound rules in evaluation order */
  readonly inbound: readonly NsgRule[];
  /** @internal shared evaluation state */
  readonly core: NsgCore;

  constructor(rules: readonly NsgRule[]) {
    this.inbound = rules.filter((r) => r.direction === 'Inbound').sort((a, b) => a.priority - b.priority);
    const sig = signature(this.inbound);
    let core = cores.get(sig);
    if (!core) {
      if (cores.size >= MAX_SHARED) cores.clear();
      core = new NsgCore(this.inbound);
      cores.set(sig, core);
    }
    this.core = core;
  }
}

/**
 * Drops the shared evaluation caches (rule-content cores, exposure answers, address-region pairs). Each is bounded
 * (50 000 entries, then cleared); a long-running process can call this after building a graph to release memory.
 * Rule arrays compiled earlier keep working (they recompute on demand).
 */
export function clearNsgCaches(): void {
  cores.clear();
  exposureCache.clear();
  pairCache.clear();
  reachableCache.clear();
}

const compiledCache = new WeakMap<readonly NsgRule[], CompiledNsg>();

/** Precompiles (and caches by array identity) one NSG's rules. Treat the array as immutable afterwards. */
export function compileNsg(rules: readonly NsgRule[]): CompiledNsg {
  let c = compiledCache.get(rules);
  if (!c) {
    c = new CompiledNsg(rules);
    compiledCache.set(rules, c);
  }
  return c;
}

/** One level of the path: its evaluation view and the NSG's own rules (to report by index). */
interface Level {
  side: Side;
  rules: readonly NsgRule[];
  present: boolean;
}

const NO_LEVEL: Level = { side: NO_NSG, rules: [], present: false };

function levelOf(input: NsgInput | undefined, dest: DestinationOptions | undefined): Level {
  if (input === undefined) return NO_LEVEL;
  const compiled = input instanceof CompiledNsg ? input : compileNsg(input);
  return { side: compiled.core.side(dest), rules: compiled.inbound, present: true };
}

// ---------------------------------------------------------------------------------------------------------------------
// combining the two levels

interface Pass {
  from: number;
  to: number;
  a: CRule | undefined;
  b: CRule | undefined;
}

/** Ports allowed by both segment lists (each covers 0–65535). */
function intersectAllowed(a: readonly Seg[], b: readonly Seg[]): Pass[] {
  const out: Pass[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    const lo = Math.max(x.from, y.from);
    const hi = Math.min(x.to, y.to);
    if (lo <= hi && x.allow && y.allow) {
      const last = out[out.length - 1];
      if (last && last.a === x.rule && last.b === y.rule && last.to + 1 === lo) last.to = hi;
      else out.push({ from: lo, to: hi, a: x.rule, b: y.rule });
    }
    if (x.to <= y.to) i++;
    else j++;
  }
  return out;
}

function mergedStarts(a: Side, b: Side): number[] {
  if (a.sportStarts.length === 1 && b.sportStarts.length === 1) return [0];
  return [...new Set([...a.sportStarts, ...b.sportStarts])].sort((x, y) => x - y);
}

/** Ports allowed through both levels for one source atom pair, over every source-port class (earlier classes win). */
function passes(a: Side, b: Side, atomA: Atom, atomB: Atom, proto: number, starts: readonly number[]): Pass[] {
  let out: Pass[] | undefined;
  for (const sp of starts) {
    const cur = intersectAllowed(a.segs(atomA, proto, sp), b.segs(atomB, proto, sp));
    if (out === undefined) {
      out = cur;
      continue;
    }
    const covered = normalizePortRanges(out);
    for (const p of cur) for (const r of splitRanges([{ from: p.from, to: p.to }], covered).outside) out.push({ from: r.from, to: r.to, a: p.a, b: p.b });
    out.sort((x, y) => x.from - y.from);
  }
  return out ?? [];
}

interface Region {
  atomA: Atom;
  atomB: Atom;
  ranges: AddrRange[];
}

/** Address regions where at least one level has a CIDR-specific rule, keyed by the pair of atoms. */
function regions(pa: readonly Piece[], pb: readonly Piece[]): Region[] {
  if (pa.length === 0 && pb.length === 0) return [];
  const points = new Set<bigint>();
  for (const p of pa) {
    points.add(p.lo);
    points.add(p.hi + 1n);
  }
  for (const p of pb) {
    points.add(p.lo);
    points.add(p.hi + 1n);
  }
  const sorted = [...points].sort(compareBig);
  const byKey = new Map<string, Region>();
  let i = 0;
  let j = 0;
  for (let k = 0; k + 1 < sorted.length; k++) {
    const lo = sorted[k];
    const hi = sorted[k + 1] - 1n;
    while (i < pa.length && pa[i].hi < lo) i++;
    while (j < pb.length && pb[j].hi < lo) j++;
    const x = i < pa.length && pa[i].lo <= lo ? pa[i] : undefined;
    const y = j < pb.length && pb[j].lo <= lo ? pb[j] : undefined;
    if (!x && !y) continue;
    const label = (x ?? y)!.label;
    const atomA = x ? x.atom : GENERIC[label];
    const atomB = y ? y.atom : GENERIC[label];
    const key = `${atomA.key}/${atomB.key}`;
    let reg = byKey.get(key);
    if (!reg) {
      reg = { atomA, atomB, ranges: [] };
      byKey.set(key, reg);
    }
    const last = reg.ranges[reg.ranges.length - 1];
    if (last && last.hi + 1n === lo) last.hi = hi;
    else reg.ranges.push({ lo, hi });
  }
  return [...byKey.values()];
}

const pairCache = new Map<string, Array<[Atom, Atom]>>();

/** Atom pairs covering every address of `u` (generic remainders first, then CIDR-specific regions by address). */
function atomPairs(a: Side, b: Side, u: Universe): Array<[Atom, Atom]> {
  const key = `${a.uid}|${b.uid}|${u.key}`;
  let hit = pairCache.get(key);
  if (!hit) {
    hit = computeAtomPairs(a, b, u);
    if (pairCache.size >= MAX_SHARED) pairCache.clear();
    pairCache.set(key, hit);
  }
  return hit;
}

function computeAtomPairs(a: Side, b: Side, u: Universe): Array<[Atom, Atom]> {
  const regs = regions(a.pieces(u), b.pieces(u));
  const total = new Map<number, bigint>();
  for (const r of u.ranges) total.set(r.label, (total.get(r.label) ?? 0n) + (r.hi - r.lo + 1n));
  const covered = new Map<number, bigint>();
  for (const reg of regs) for (const r of reg.ranges) covered.set(reg.atomA.label, (covered.get(reg.atomA.label) ?? 0n) + (r.hi - r.lo + 1n));
  const out: Array<[Atom, Atom]> = [];
  for (const [label, size] of [...total].sort((x, y) => x[0] - y[0])) {
    if ((covered.get(label) ?? 0n) < size) out.push([GENERIC[label], GENERIC[label]]);
  }
  regs.sort((x, y) => compareBig(x.ranges[0].lo, y.ranges[0].lo));
  for (const reg of regs) out.push([reg.atomA, reg.atomB]);
  return out;
}

function findSeg(segs: readonly Seg[], port: number): Seg {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segs[mid].to < port) lo = mid + 1;
    else hi = mid;
  }
  return segs[lo];
}

function sourceUniverse(source: SourceClass): 'generic' | Universe {
  if (source === 'Internet') return 'generic';
  if (source === 'VirtualNetwork') return VNET_UNIVERSE;
  if (source === 'AzureLoadBalancer') return LB_UNIVERSE;
  if (isRecord(source) && typeof source.cidr === 'string') return cidrUniverse(source.cidr);
  throw new PalisadeError('NsgInvalidSource', `unknown source class ${JSON.stringify(source)}`, { kind: 'argument' });
}

export type InboundFlow = { source: SourceClass; port: number; protocol: 'Tcp' | 'Udp' } & DestinationOptions;

function decidePath(subnet: NsgInput | undefined, nic: NsgInput | undefined, flow: InboundFlow & { sourcePrefixes?: readonly string[] }): PathDecision {
  if (!Number.isInteger(flow.port) || flow.port < 0 || flow.port > MAX_PORT) {
    throw new PalisadeError('NsgInvalidPortRange', `port ${flow.port} is not an integer in 0-65535`, { kind: 'argument' });
  }
  if (flow.protocol !== 'Tcp' && flow.protocol !== 'Udp') throw new PalisadeError('NsgInvalidProtocol', `protocol ${JSON.stringify(flow.protocol)} is not Tcp or Udp`, { kind: 'argument' });
  const A = levelOf(subnet, flow);
  const B = levelOf(nic, flow);
  const a = A.side;
  const b = B.side;
  const proto = flow.protocol === 'Tcp' ? TCP : UDP;
  const u = flow.sourcePrefixes !== undefined ? prefixesUniverse(flow.sourcePrefixes) : sourceUniverse(flow.source);
  const pairs: Array<[Atom, Atom]> = u === 'generic' ? [[GENERIC[L_INTERNET], GENERIC[L_INTERNET]]] : atomPairs(a, b, u);
  const starts = mergedStarts(a, b);
  let first: { x: Seg; y: Seg } | undefined;
  let found: { x: Seg; y: Seg } | undefined;
  outer: for (const [atomA, atomB] of pairs) {
    for (const sp of starts) {
      const x = findSeg(a.segs(atomA, proto, sp), flow.port);
      const y = findSeg(b.segs(atomB, proto, sp), flow.port);
      first ??= { x, y };
      if (x.allow && y.allow) {
        found = { x, y };
        break outer;
      }
    }
  }
  const pick = found ?? first;
  const out: PathDecision = { access: found ? 'Allow' : 'Deny' };
  const decision = (level: Level, s: Seg): { access: 'Allow' | 'Deny'; rule?: NsgRule } =>
    s.rule ? { access: s.allow ? 'Allow' : 'Deny', rule: level.rules[s.rule.idx] } : { access: s.allow ? 'Allow' : 'Deny' };
  if (pick) {
    if (A.present) out.subnet = decision(A, pick.x);
    if (B.present) out.nic = decision(B, pick.y);
    if (!found) out.deniedAt = A.present && !pick.x.allow ? 'subnet' : 'nic';
  } else out.deniedAt = A.present ? 'subnet' : 'nic'; // empty source universe: nothing can pass
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// public questions

/**
 * One NSG level's decision for an inbound flow. `rules === undefined` (no NSG) allows everything.
 * Sources: `'Internet'` = an arbitrary internet address (one not inside any CIDR the rules name; use `{cidr}` for a
 * specific address); `'VirtualNetwork'` = SOME address of the private ranges (existential: allowed if any VNet address
 * passes; a deny on one private /32 does not block the VNet); `'AzureLoadBalancer'` = 168.63.129.16; `{cidr}` = some
 * address of that range. The returned rule is the deciding rule (absent when no NSG or, for an NSG without default
 * rules, when nothing matched — which denies).
 */
export function decideInbound(rules: NsgInput | undefined, flow: InboundFlow): { access: 'Allow' | 'Deny'; rule?: NsgRule } {
  const d = decidePath(rules, undefined, flow);
  if (rules === undefined) return { access: 'Allow' };
  return d.subnet?.rule ? { access: d.access, rule: d.subnet.rule } : { access: d.access };
}

/** Both levels in inbound order (subnet, then NIC); same source semantics as {@link decideInbound}. */
export function decideInboundPath(subnetRules: NsgInput | undefined, nicRules: NsgInput | undefined, flow: InboundFlow): PathDecision {
  return decidePath(subnetRules, nicRules, flow);
}

/**
 * Lateral movement: can some address of the virtual network (default: all private ranges; `sourcePrefixes`: the
 * VNet's and its peers' address spaces) reach `port`/`protocol` through both levels.
 */
export function vnetReachable(
  subnetRules: NsgInput | undefined,
  nicRules: NsgInput | undefined,
  port: number,
  protocol: 'Tcp' | 'Udp',
  options?: DestinationOptions & { sourcePrefixes?: readonly string[] },
): boolean {
  return decidePath(subnetRules, nicRules, { source: 'VirtualNetwork', port, protocol, ...options }).access === 'Allow';
}

const reachableCache = new Map<string, readonly number[]>();
const portListKeys = new WeakMap<readonly number[], string>();

/** The uid of a level's shared evaluation state (0 without an NSG). */
function sideUid(input: NsgInput | undefined): number {
  if (input === undefined) return 0;
  return (input instanceof CompiledNsg ? input : compileNsg(input)).core.side(undefined).uid;
}

/**
 * The ports of `ports` that VirtualNetwork traffic reaches through both levels (a frozen list, shared by every pair of
 * NSGs with the same rule contents: decided once per pair of contents).
 */
export function vnetReachablePorts(subnetRules: NsgInput | undefined, nicRules: NsgInput | undefined, ports: readonly number[], protocol: 'Tcp' | 'Udp'): readonly number[] {
  let listKey = portListKeys.get(ports);
  if (listKey === undefined) portListKeys.set(ports, (listKey = ports.join(',')));
  const key = `${sideUid(subnetRules)}|${sideUid(nicRules)}|${protocol}|${listKey}`;
  let open = reachableCache.get(key);
  if (open === undefined) {
    open = Object.freeze(ports.filter((port) => vnetReachable(subnetRules, nicRules, port, protocol)));
    if (reachableCache.size >= MAX_SHARED) reachableCache.clear();
    reachableCache.set(key, open);
  }
  return open;
}

/** An exposure with rules by index (shared between NSGs of equal content). */
interface ExposureTemplate {
  protocol: 'Tcp' | 'Udp';
  ports: PortRange[];
  width: 'wide' | 'narrow';
  sources: string[];
  a: CRule | undefined;
  b: CRule | undefined;
}

const exposureCache = new Map<string, ExposureTemplate[]>();

function computeExposure(a: Side, b: Side, filter: readonly PortRange[] | undefined): ExposureTemplate[] {
  const starts = mergedStarts(a, b);
  const out: ExposureTemplate[] = [];
  const clip = (ranges: PortRange[]): PortRange[] => {
    const merged = normalizePortRanges(ranges);
    return filter ? splitRanges(merged, filter).inside : merged;
  };
  const protocols: Array<['Tcp' | 'Udp', number]> = [
    ['Tcp', TCP],
    ['Udp', UDP],
  ];
  const group = (list: Pass[], keep: (p: Pass) => boolean): Map<string, { x: CRule | undefined; y: CRule | undefined; ports: PortRange[] }> => {
    const groups = new Map<string, { x: CRule | undefined; y: CRule | undefined; ports: PortRange[] }>();
    for (const p of list) {
      if (!keep(p)) continue;
      const key = `${p.a?.idx ?? -1}/${p.b?.idx ?? -1}`;
      let grp = groups.get(key);
      if (!grp) groups.set(key, (grp = { x: p.a, y: p.b, ports: [] }));
      grp.ports.push({ from: p.from, to: p.to });
    }
    return groups;
  };

  // wide: an internet address no rule names specifically
  const g = GENERIC[L_INTERNET];
  for (const [name, proto] of protocols) {
    for (const grp of group(passes(a, b, g, g, proto, starts), () => true).values()) {
      const ports = clip(grp.ports);
      if (ports.length === 0) continue;
      const tokens = [...new Set([...(grp.x?.wideTokens ?? []), ...(grp.y?.wideTokens ?? [])])];
      out.push({ protocol: name, ports, width: 'wide', sources: tokens.length > 0 ? tokens : ['*'], a: grp.x, b: grp.y });
    }
  }

  // narrow: regions of public space some rule names by CIDR, where at least one level lets them in only by that CIDR
  const regs = regions(a.pieces(INTERNET_UNIVERSE), b.pieces(INTERNET_UNIVERSE));
  if (regs.length > 0) {
    const specific = (p: Pass): boolean => (p.a !== undefined && (p.a.srcLabels & (1 << L_INTERNET)) === 0) || (p.b !== undefined && (p.b.srcLabels & (1 << L_INTERNET)) === 0);
    const narrow = new Map<string, { name: 'Tcp' | 'Udp'; x: CRule | undefined; y: CRule | undefined; ports: PortRange[]; ranges: AddrRange[] }>();
    for (const reg of regs) {
      for (const [name, proto] of protocols) {
        for (const [ruleKey, grp] of group(passes(a, b, reg.atomA, reg.atomB, proto, starts), specific)) {
          const ports = clip(grp.ports);
          if (ports.length === 0) continue;
          const key = `${name}|${ruleKey}|${portsKey(ports)}`;
          let n = narrow.get(key);
          if (!n) narrow.set(key, (n = { name, x: grp.x, y: grp.y, ports, ranges: [] }));
          n.ranges.push(...reg.ranges);
        }
      }
    }
    for (const n of narrow.values()) {
      n.ranges.sort((p, q) => compareBig(p.lo, q.lo));
      const merged: AddrRange[] = [];
      for (const r of n.ranges) {
        const last = merged[merged.length - 1];
        if (last && r.lo <= last.hi + 1n) {
          if (r.hi > last.hi) last.hi = r.hi;
        } else merged.push({ lo: r.lo, hi: r.hi });
      }
      out.push({ protocol: n.name, ports: n.ports, width: 'narrow', sources: merged.flatMap((r) => rangeToCidrs(r.lo, r.hi)), a: n.x, b: n.y });
    }
  }

  const rank = (e: ExposureTemplate): number => (e.width === 'wide' ? 0 : 2) + (e.protocol === 'Tcp' ? 0 : 1);
  const text = (e: ExposureTemplate): string => e.sources.join(',');
  return out.sort((p, q) => rank(p) - rank(q) || p.ports[0].from - q.ports[0].from || (text(p) < text(q) ? -1 : text(p) > text(q) ? 1 : 0));
}

/**
 * Exact internet exposure of a NIC through its subnet NSG and NIC NSG, over the whole port space, for Tcp and Udp.
 *
 * - `wide`: ports any internet address can reach; one entry per pair of allowing rules.
 * - `narrow`: ports that only specific public CIDRs can reach (at least one level admits them only through a rule
 *   naming a public CIDR); one entry per (allowing rules, ports); `sources` = the minimal CIDR cover of those
 *   addresses (host bits and non-internet parts removed, adjacent prefixes merged, single hosts without `/32`).
 * A CIDR whose traffic a wide rule already lets through at both levels is part of the wide entry, not repeated.
 * A deny of a specific CIDR carved out of a wide allow still leaves the entry wide (every other address gets in).
 * Neither level having an NSG returns every port, wide, with sources `['*']` (our caller only asks when a public path
 * exists; the NSG layer is then open).
 * Order: wide before narrow, Tcp before Udp, then by first port and sources. Answers are cached per pair of
 * (rule content, destination context) and returned as fresh objects.
 */
export function internetExposure(subnetRules: NsgInput | undefined, nicRules: NsgInput | undefined, options?: ExposureOptions): Exposure[] {
  const A = levelOf(subnetRules, options);
  const B = levelOf(nicRules, options);
  const filter = options?.ports ? normalizePortRanges(options.ports) : undefined;
  const key = `${A.side.uid}|${B.side.uid}|${filter ? portsKey(filter) : '*'}`;
  let templates = exposureCache.get(key);
  if (!templates) {
    templates = computeExposure(A.side, B.side, filter);
    if (exposureCache.size >= MAX_SHARED) exposureCache.clear();
    exposureCache.set(key, templates);
  }
  return templates.map((t) => {
    const allowedBy: Exposure['allowedBy'] = {};
    if (t.a) allowedBy.subnet = A.rules[t.a.idx];
    if (t.b) allowedBy.nic = B.rules[t.b.idx];
    return { protocol: t.protocol, ports: t.ports.map((p) => ({ from: p.from, to: p.to })), width: t.width, sources: t.sources.slice(), allowedBy };
  });
}
