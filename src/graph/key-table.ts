/**
 * Canonical key → node number, for a million keys. A `Map` with string keys costs several cache misses per lookup
 * (bucket, chain entry, key string) and rehashes every key string as it grows; this table is open addressing over
 * one array of (hash, node + 1) pairs, so an insert usually touches one slot and growing touches no string. The
 * array is a plain one of small integers: a typed array's buffer lives outside V8's heap, and V8 answers tens of
 * megabytes of those with a collection of the whole heap.
 *
 * The table keeps no strings: its owner answers whether node n has a key. A node added by a plain id (see
 * `plainIdHash`) needs no key string at all: its hash and comparisons read the id's characters folded to lower case.
 */
const EMPTY = 0;
/** The share of slots in use past which the table doubles (linear probing stays short below it). */
const MAX_LOAD = 0.7;

/*
 * The hashes run FNV-1a in two lanes, one over the even code units and one over the odd ones: each lane waits on its
 * own multiplication only, so the two overlap (ids are long; a single chain of multiplications was most of the time a
 * lookup took). Murmur3's finalizer then spreads every input bit over the low bits the table indexes by, and the
 * result is cut to 30 bits (a small integer for V8, kept unboxed in arrays).
 */
const SEED_EVEN = 0x811c9dc5;
const SEED_ODD = 0x2f6b3a1d;
const FNV_PRIME = 0x01000193;

function finish(even: number, odd: number): number {
  let h = Math.imul(even, 0x9e3779b1) ^ odd;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 2;
}

/** The hash of a key (a canonical key: its code units as they are). */
export function keyHash(key: string): number {
  const length = key.length;
  let even = SEED_EVEN;
  let odd = SEED_ODD;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    even = Math.imul(even ^ key.charCodeAt(i), FNV_PRIME);
    odd = Math.imul(odd ^ key.charCodeAt(i + 1), FNV_PRIME);
  }
  if (i < length) even = Math.imul(even ^ key.charCodeAt(i), FNV_PRIME);
  return finish(even, odd);
}

/** A code unit with ASCII capitals folded to lower case. */
function folded(c: number): number {
  return c - 65 >>> 0 < 26 ? c + 32 : c;
}

/**
 * The two lanes of a folded hash in progress, and every code unit read or'ed together (128 or more when one is past
 * ASCII, checked once at the end). One shared scratch: `readLanes` continues it.
 */
const lanes = { even: SEED_EVEN, odd: SEED_ODD, bits: 0 };

/** Continues `lanes` over the code units [from, to) of `id`, capitals folded, each in the lane of its position. */
function readLanes(id: string, from: number, to: number): void {
  let even = lanes.even;
  let odd = lanes.odd;
  let bits = lanes.bits;
  let i = from;
  if ((i & 1) === 1 && i < to) {
    const c = id.charCodeAt(i++);
    bits |= c;
    odd = Math.imul(odd ^ folded(c), FNV_PRIME);
  }
  for (; i + 1 < to; i += 2) {
    const c = id.charCodeAt(i);
    const d = id.charCodeAt(i + 1);
    bits |= c | d;
    even = Math.imul(even ^ folded(c), FNV_PRIME);
    odd = Math.imul(odd ^ folded(d), FNV_PRIME);
  }
  if (i < to) {
    const c = id.charCodeAt(i);
    bits |= c;
    even = Math.imul(even ^ folded(c), FNV_PRIME);
  }
  lanes.even = even;
  lanes.odd = odd;
  lanes.bits = bits;
}

/**
 * `keyHash` of the canonical key of `id` (core's `canonicalKey`: trimmed, lower case, no empty segment, no trailing
 * slash), read off the id without making the key; -1 when the id is not plain. A plain id is ASCII, starts and ends
 * with a character above the space, and has no `//` and no trailing `/`: its canonical key is its ASCII lower case.
 */
export function plainIdHash(id: string): number {
  const length = id.length;
  if (length < 2 || id.charCodeAt(0) <= 32) return -1;
  const last = id.charCodeAt(length - 1);
  if (last <= 32 || last === 47) return -1;
  lanes.even = SEED_EVEN;
  lanes.odd = SEED_ODD;
  lanes.bits = 0;
  readLanes(id, 0, length);
  if (lanes.bits >= 128 || id.includes('//')) return -1;
  return finish(lanes.even, lanes.odd);
}

/** A prefix of an id and the state of `plainIdHash` after it (see `PrefixHasher`). */
export class HashedPrefix {
  /** The prefix (a slice of the id it was read from, in that id's case). */
  prefix = '';
  /** `plainIdHash(prefix)` (-1: the prefix is not a plain id). */
  prefixHash = -1;
  /** The caller's note on the prefix (-1 when a new prefix is read into this one). */
  memo = -1;
  even = SEED_EVEN;
  odd = SEED_ODD;
  bits = 0;
  /** No id starting with the prefix is plain (it starts at or below the space, or has an empty segment). */
  broken = true;

  read(id: string, n: number): void {
    this.prefix = id.slice(0, n);
    this.memo = -1;
    // Read off the id itself (the prefix is a slice of it, slower to read).
    lanes.even = SEED_EVEN;
    lanes.odd = SEED_ODD;
    lanes.bits = 0;
    readLanes(id, 0, n);
    const { even, odd, bits } = lanes;
    this.even = even;
    this.odd = odd;
    this.bits = bits;
    const empty = id.indexOf('//');
    this.broken = n < 1 || id.charCodeAt(0) <= 32 || (empty !== -1 && empty <= n - 2);
    const last = id.charCodeAt(n - 1);
    this.prefixHash = this.broken || n < 2 || bits >= 128 || last <= 32 || last === 47 ? -1 : finish(even, odd);
  }
}

/**
 * `plainIdHash` for ids that come in runs sharing a prefix (the resources of one resource group, the children of one
 * resource, in estate order): `hash(id, n)` reads the first n code units only when they differ from the prefixes of
 * the ids before. FNV-1a reads left to right, so the lanes' state after a prefix is kept and each id sharing it hashes
 * only what follows. The last two prefixes are kept: estates interleave a resource group's resources with the
 * children of one of them.
 */
export class PrefixHasher {
  /** The prefix of the last id hashed. */
  current = new HashedPrefix();
  private previous = new HashedPrefix();

  /** `plainIdHash(id)`, where `n` (0 < n ≤ id.length) is the length of the prefix id shares with ids of its run. */
  hash(id: string, n: number): number {
    let state = this.current;
    if (state.prefix.length !== n || !id.startsWith(state.prefix)) {
      state = this.previous;
      this.previous = this.current;
      this.current = state;
      if (state.prefix.length !== n || !id.startsWith(state.prefix)) state.read(id, n);
    }
    const length = id.length;
    const last = id.charCodeAt(length - 1);
    if (state.broken || last <= 32 || last === 47) return -1;
    lanes.even = state.even;
    lanes.odd = state.odd;
    lanes.bits = state.bits;
    readLanes(id, n, length);
    // An empty segment after the prefix, or where it meets the rest.
    if (lanes.bits >= 128 || id.includes('//', n - 1)) return -1;
    return finish(lanes.even, lanes.odd);
  }
}

/**
 * Whether `a` and `b` are equal with ASCII capitals folded to lower case (compared from the end, where ids mostly
 * differ): for a plain id and a canonical key, or two plain ids, whether they have the same canonical key. Two
 * spellings of one id are mostly the same string, which V8 compares many times faster than this loop does.
 */
export function equalFolded(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  if (a === b) return true;
  for (let i = a.length - 1; i >= 0; i--) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

/** What a `KeyTable` asks of the nodes it indexes. */
export interface KeyedNodes {
  /** Whether node n's canonical key is `key`. */
  hasKey(node: number, key: string): boolean;
  /** Whether node n's canonical key is that of the plain id `id`. */
  hasKeyOfPlainId(node: number, id: string): boolean;
}

/** A plain array of `length` zeros (small integers, kept inside V8's heap). */
export function zeros(length: number): number[] {
  return new Array<number>(length).fill(0);
}

export class KeyTable {
  /** Slot i: `[2i]` the key's hash, `[2i + 1]` its node number + 1 (0: empty). */
  private slots: number[];
  private mask: number;
  private count = 0;

  /**
   * `nodes` answers whether a node has a key (the table keeps numbers, not strings). `expected`: how many keys the
   * table is sized for up front (it grows past that; a good guess saves the copies of growing through every power of two).
   */
  constructor(private readonly nodes: KeyedNodes, expected = 0) {
    let capacity = 1024;
    while (capacity * MAX_LOAD < expected) capacity *= 2;
    this.slots = zeros(2 * capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The node with this key, or -1. */
  get(key: string): number {
    const h = keyHash(key);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const n = slots[2 * i + 1];
      if (n === EMPTY) return -1;
      if (slots[2 * i] === h && this.nodes.hasKey(n - 1, key)) return n - 1;
    }
  }

  /** The node with this key if there is one (-1 otherwise, and `node` is then recorded under it). */
  getOrAdd(key: string, node: number): number {
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const h = keyHash(key);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const n = slots[2 * i + 1];
      if (n === EMPTY) return this.record(i, h, node);
      if (slots[2 * i] === h && this.nodes.hasKey(n - 1, key)) return n - 1;
    }
  }

  /** `get` for the canonical key of a plain id, whose `plainIdHash` is `hash`. */
  getPlainId(id: string, hash: number): number {
    const slots = this.slots;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const n = slots[2 * i + 1];
      if (n === EMPTY) return -1;
      if (slots[2 * i] === hash && this.nodes.hasKeyOfPlainId(n - 1, id)) return n - 1;
    }
  }

  /** `getOrAdd` for the canonical key of a plain id, whose `plainIdHash` is `hash`. */
  getOrAddPlainId(id: string, hash: number, node: number): number {
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const slots = this.slots;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const n = slots[2 * i + 1];
      if (n === EMPTY) return this.record(i, hash, node);
      if (slots[2 * i] === hash && this.nodes.hasKeyOfPlainId(n - 1, id)) return n - 1;
    }
  }

  private record(slot: number, hash: number, node: number): -1 {
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = node + 1;
    this.count++;
    return -1;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = 2 * (this.mask + 1);
    const slots = zeros(2 * capacity);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === EMPTY) continue;
      let i = old[j] & mask;
      while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = old[j];
      slots[2 * i + 1] = old[j + 1];
    }
    this.slots = slots;
    this.mask = mask;
  }
}
