/**
 * Canonical key → node number, for a million keys. A `Map` with string keys costs several cache misses per lookup
 * (bucket, chain entry, key string) and rehashes every key string as it grows; this table is open addressing over
 * one array of (hash, node + 1) pairs, so an insert usually touches one slot and growing touches no string. The
 * array is a plain one of small integers: a typed array's buffer lives outside V8's heap, and V8 answers tens of
 * megabytes of those with a collection of the whole heap.
 */
const EMPTY = 0;
/** The share of slots in use past which the table doubles (linear probing stays short below it). */
const MAX_LOAD = 0.7;

/** FNV-1a over the UTF-16 code units, cut to 30 bits (a small integer for V8, kept unboxed in arrays). */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 2;
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
   * `keyOf(n)` is the key of node n (the table keeps numbers, not strings). `expected`: how many keys the table is
   * sized for up front (it grows past that; a good guess saves the copies of growing through every power of two).
   */
  constructor(private readonly keyOf: (node: number) => string, expected = 0) {
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
      if (slots[2 * i] === h && this.keyOf(n - 1) === key) return n - 1;
    }
  }

  /** The node with this key if there is one (-1 otherwise, and `node` is then recorded under it). */
  getOrAdd(key: string, node: number): number {
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) this.grow();
    const h = keyHash(key);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const n = slots[2 * i + 1];
      if (n === EMPTY) {
        slots[2 * i] = h;
        slots[2 * i + 1] = node + 1;
        this.count++;
        return -1;
      }
      if (slots[2 * i] === h && this.keyOf(n - 1) === key) return n - 1;
    }
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
