import { describe, expect, it } from 'vitest';
import { ChunkDecoder } from '../../src/estate/text-decoder.js';

describe('ChunkDecoder', () => {
  const text = 'ascii {"k":"é€😀 Zoë"} tail — ✓';
  const bytes = Buffer.from(text, 'utf8');

  it('decodes the same text wherever the input is split', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new ChunkDecoder();
      const out = decoder.write(bytes.subarray(0, cut)) + decoder.write(bytes.subarray(cut)) + decoder.end();
      expect(out, `split at byte ${cut}`).toBe(text);
    }
  });

  it('decodes byte by byte', () => {
    const decoder = new ChunkDecoder();
    let out = '';
    for (const byte of bytes) out += decoder.write(Buffer.from([byte]));
    expect(out + decoder.end()).toBe(text);
  });

  it('turns a truncated sequence at the end into a replacement character', () => {
    const decoder = new ChunkDecoder();
    const euro = Buffer.from('€', 'utf8');
    expect(decoder.write(Buffer.concat([Buffer.from('ab'), euro.subarray(0, 2)]))).toBe('ab');
    expect(decoder.end()).toBe('\uFFFD');
  });
});
