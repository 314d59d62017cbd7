/**
 * Streams the records of a JSON document without holding the document as one string: a top-level array's elements
 * (`[...]`), an envelope's records (`{"records":[...]}` as diagnostic settings send to Event Hubs, `{"value":[...]}`,
 * a Kubernetes `EventList`'s `items`), or a whole top-level object (a pretty-printed single record). Several top-level
 * values may follow each other. Each record comes out as its JSON text with its line and JSON path, for the caller to
 * parse; a record longer than `maxLength` is reported as too large without being kept. Only the structure is checked
 * here (a bad record is the caller's rejection, and the next record is still read); a document whose structure breaks
 * (unbalanced brackets, text that is not JSON between values, a truncated file) ends with a `syntax` item.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { JSON_CHAR, JsonLexer } from '../../core/index.js';

export type JsonRecordItem =
  | { kind: 'record'; text: string; line: number; path: string }
  | { kind: 'tooLarge'; length: number; line: number; path: string }
  | { kind: 'syntax'; message: string; line: number };

export const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['records', 'value', 'items']);

const { OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, QUOTE, COMMA, COLON } = JSON_CHAR;

/** A key that is not valid JSON (a bad escape) names no envelope. */
function parseKeyLeniently(json: string): string {
  try {
    return JSON.parse(json) as string;
  } catch {
    return '';
  }
}

export async function* scanJsonRecords(file: string, maxLength: number, highWaterMark = 1 << 20): AsyncGenerator<JsonRecordItem> {
  const stream = createReadStream(file, { highWaterMark });
  const decoder = new StringDecoder('utf8');

  const lex = new JsonLexer(parseKeyLeniently);
  let depth = 0;

  // The top-level value being read.
  let topIsObject = false;

  /** Depth at which the elements of the current record array live; 0 = not in one. */
  let elementDepth = 0;
  let arrayPath = '$';
  let elementIndex = 0;

  // The record being captured.
  let capturing = false;
  let captureStart = -1;
  let capturePending = '';
  let captureLength = 0;
  let captureLine = 0;
  let capturePath = '$';
  let captureTooLarge = false;
  /** depth outside the captured value (it ends when depth comes back here) */
  let captureDepth = 0;
  /** the whole top-level object is being captured (until an envelope array shows it is not a record) */
  let wholeObject = false;

  const begin = (i: number, path: string, outside: number): void => {
    capturing = true;
    captureStart = i;
    capturePending = '';
    captureLength = 0;
    captureLine = lex.line;
    capturePath = path;
    captureTooLarge = false;
    captureDepth = outside;
  };
  const finish = (chunk: string, end: number): JsonRecordItem => {
    capturing = false;
    if (captureTooLarge) return { kind: 'tooLarge', length: captureLength + (end - Math.max(captureStart, 0)), line: captureLine, path: capturePath };
    const text = capturePending + chunk.slice(captureStart, end);
    capturePending = '';
    captureStart = -1;
    if (text.length > maxLength) return { kind: 'tooLarge', length: text.length, line: captureLine, path: capturePath };
    return { kind: 'record', text, line: captureLine, path: capturePath };
  };

  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      const chunk = decoder.write(bytes);
      const length = chunk.length;
      for (let i = 0; i < length; i++) {
        const c = chunk.charCodeAt(i);
        if (lex.skip(chunk, i, c)) continue;

        if (depth === 0) {
          if (c === OPEN_BRACKET) {
            topIsObject = false;
            elementDepth = 1;
            arrayPath = '$';
            elementIndex = 0;
            depth = 1;
            continue;
          }
          if (c === OPEN_BRACE) {
            topIsObject = true;
            lex.expectKey = true;
            lex.lastKey = '';
            wholeObject = true;
            begin(i, '$', 0);
            depth = 1;
            continue;
          }
          yield { kind: 'syntax', message: `expected a JSON object or array, found '${String.fromCharCode(c)}'`, line: lex.line };
          return;
        }

        // An element of the record array starts.
        if (elementDepth !== 0 && depth === elementDepth && !capturing && c !== COMMA && c !== CLOSE_BRACKET) {
          begin(i, `${arrayPath}[${elementIndex++}]`, elementDepth);
        }

        switch (c) {
          case QUOTE:
            lex.openString(i, topIsObject && depth === 1);
            break;
          case OPEN_BRACE:
          case OPEN_BRACKET:
            if (topIsObject && depth === 1 && c === OPEN_BRACKET && elementDepth === 0 && ENVELOPE_KEYS.has(lex.lastKey)) {
              // The top-level object is an envelope: its records are the elements of this array.
              if (wholeObject) {
                wholeObject = false;
                capturing = false;
                capturePending = '';
                captureStart = -1;
              }
              elementDepth = 2;
              arrayPath = `$.${lex.lastKey}`;
              elementIndex = 0;
            }
            depth++;
            break;
          case CLOSE_BRACE:
          case CLOSE_BRACKET: {
            if (elementDepth !== 0 && depth === elementDepth) {
              // the record array closes: a scalar element may end here
              if (capturing && captureDepth === elementDepth) yield finish(chunk, i);
              elementDepth = 0;
            }
            depth--;
            if (depth < 0) {
              yield { kind: 'syntax', message: `unbalanced '${String.fromCharCode(c)}'`, line: lex.line };
              return;
            }
            if (capturing && depth === captureDepth) yield finish(chunk, i + 1);
            break;
          }
          case COMMA:
            if (topIsObject && depth === 1) lex.expectKey = true;
            if (capturing && depth === captureDepth && elementDepth === depth) yield finish(chunk, i);
            break;
          case COLON:
            break;
          default:
            break;
        }
      }
      // Carry the partial record / key into the next chunk.
      if (capturing) {
        if (!captureTooLarge) {
          const part = chunk.slice(Math.max(captureStart, 0));
          if (capturePending.length + part.length > maxLength) {
            captureTooLarge = true;
            captureLength = capturePending.length + part.length;
            capturePending = '';
          } else capturePending += part;
        } else captureLength += length - Math.max(captureStart, 0);
        captureStart = 0;
      }
      lex.endChunk(chunk);
    }
    decoder.end();
    if (lex.inString || depth !== 0) {
      yield { kind: 'syntax', message: 'unexpected end of file (truncated JSON)', line: capturing ? captureLine : lex.line };
    }
  } finally {
    stream.destroy();
  }
}
