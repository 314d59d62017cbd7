import { createReadStream } from 'node:fs';
import { ChunkDecoder } from './text-decoder.js';

export interface Line {
  text: string;
  /** 1-based line number */
  number: number;
}

/**
 * Reads a text file line by line without ever holding more than one chunk and one line in memory.
 * Handles `\n` and `\r\n`, and drops a UTF-8 BOM. `onBytes` reports progress in bytes read.
 */
export async function* readLines(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<Line> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const decoder = new ChunkDecoder();
  let carry = '';
  let number = 0;
  let first = true;
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    let text = decoder.write(bytes);
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    onBytes?.(bytes.length);
    let start = 0;
    let newline = text.indexOf('\n', start);
    if (newline === -1) {
      carry += text;
      continue;
    }
    // First line of this chunk completes the carried partial line.
    let head = carry + text.slice(0, newline);
    carry = '';
    number += 1;
    yield { text: stripCr(head), number };
    start = newline + 1;
    while ((newline = text.indexOf('\n', start)) !== -1) {
      head = text.slice(start, newline);
      number += 1;
      yield { text: stripCr(head), number };
      start = newline + 1;
    }
    carry = text.slice(start);
  }
  carry += decoder.end();
  if (carry.length > 0) {
    number += 1;
    yield { text: stripCr(carry), number };
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
