/**
 * A small, fast, seeded pseudo-random generator (sfc32 seeded through cyrb128). Every random choice of the
 * sample generator goes through an `Rng`, so the same seed gives the same estate on every machine.
 */

/** 128 bits of hash of a string (cyrb128), as four unsigned 32-bit words. */
export function hashString(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator seeded from any string; `label` parts are joined so sub-streams are independent. */
  constructor(...label: string[]) {
    [this.a, this.b, this.c, this.d] = hashString(label.join('\u0000'));
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next unsigned 32-bit integer (sfc32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform real in [lo, hi). */
  real(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks from `[weight, value]` pairs. */
  weighted<T>(options: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [w] of options) total += w;
    let r = this.next() * total;
    for (const [w, v] of options) {
      r -= w;
      if (r < 0) return v;
    }
    return options[options.length - 1][1];
  }

  /** `n` distinct items, in a random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = items.slice();
    const count = Math.min(n, copy.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (copy.length - i));
      const tmp = copy[i];
      copy[i] = copy[j];
      copy[j] = tmp;
    }
    return copy.slice(0, count);
  }

  /** A random (version 4 layout) GUID in lower case. */
  guid(): string {
    const w0 = this.u32();
    const w1 = this.u32();
    const w2 = this.u32();
    const w3 = this.u32();
    const b6 = (((w1 >>> 8) & 0x0f) | 0x40) & 0xff;
    const b8 = ((w2 >>> 24) & 0x3f) | 0x80;
    return (
      HEX[w0 >>> 24] + HEX[(w0 >>> 16) & 0xff] + HEX[(w0 >>> 8) & 0xff] + HEX[w0 & 0xff] + '-' +
      HEX[w1 >>> 24] + HEX[(w1 >>> 16) & 0xff] + '-' +
      HEX[b6] + HEX[w1 & 0xff] + '-' +
      HEX[b8] + HEX[(w2 >>> 16) & 0xff] + '-' +
      HEX[(w2 >>> 8) & 0xff] + HEX[w2 & 0xff] + HEX[w3 >>> 24] + HEX[(w3 >>> 16) & 0xff] + HEX[(w3 >>> 8) & 0xff] + HEX[w3 & 0xff]
    );
  }

  /** `n` lower-case hex digits. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += HEX[this.u32() & 0xff];
    return out.slice(0, n);
  }

  /** `n` characters from [a-z0-9]. */
  alnum(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += ALNUM[this.u32() % 36];
    return out;
  }
}
