/**
 * Reads a text file line by line, holding at most one chunk and one line in memory. A line longer than `maxLength`
 * is not accumulated: its characters are dropped up to the next newline and it is reported as `tooLong` with its
 * length, so one giant line cannot exhaust memory. Handles `\n` and `\r\n`, drops a UTF-8 BOM, decodes UTF-8 across
 * chunk boundaries.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface TextLine {
  text: string;
  /** 1-based */
  number: number;
  /** Set when the line was longer than the limit; `text` is then empty and `length` is the line's length. */
  tooLong?: boolean;
  length?: number;
}

export async function* readTextLines(file: string, maxLength: number, highWaterMark = 1 << 20): AsyncGenerator<TextLine> {
  const stream = createReadStream(file, { highWaterMark });
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let overflow = 0; // > 0 while skipping the rest of a too-long line: characters seen so far
  let number = 0;
  let first = true;
  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      let text = decoder.write(bytes);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      let start = 0;
      for (;;) {
        const newline = text.indexOf('\n', start);
        if (newline === -1) break;
        number++;
        if (overflow > 0) {
          yield { text: '', number, tooLong: true, length: overflow + (newline - start) };
          overflow = 0;
        } else {
          const line = carry + text.slice(start, newline);
          carry = '';
          if (line.length > maxLength) yield { text: '', number, tooLong: true, length: line.length };
          else yield { text: stripCr(line), number };
        }
        start = newline + 1;
      }
      const rest = text.length - start;
      if (overflow > 0) overflow += rest;
      else if (carry.length + rest > maxLength) {
        overflow = carry.length + rest;
        carry = '';
      } else carry += text.slice(start);
    }
    const tail = decoder.end();
    if (overflow > 0) {
      yield { text: '', number: number + 1, tooLong: true, length: overflow + tail.length };
    } else {
      carry += tail;
      if (carry.length > 0) {
        if (carry.length > maxLength) yield { text: '', number: number + 1, tooLong: true, length: carry.length };
        else yield { text: stripCr(carry), number: number + 1 };
      }
    }
  } finally {
    stream.destroy();
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}
