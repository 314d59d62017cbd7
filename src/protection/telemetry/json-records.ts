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

export type JsonRecordItem =
  | { kind: 'record'; text: string; line: number; path: string }
  | { kind: 'tooLarge'; length: number; line: number; path: string }
  | { kind: 'syntax'; message: string; line: number };

export const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['records', 'value', 'items']);

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const NEWLINE = 10;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff;
}

export async function* scanJsonRecords(file: string, maxLength: number, highWaterMark = 1 << 20): AsyncGenerator<JsonRecordItem> {
  const stream = createReadStream(file, { highWaterMark });
  const decoder = new StringDecoder('utf8');

  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;

  // The top-level value being read.
  let topIsObject = false;
  /** Inside the top-level object: the next string at depth 1 is a key. */
  let expectKey = false;
  let keyStart = -1;
  let keyPending = '';
  let lastKey = '';

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
    captureLine = line;
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
        if (c === NEWLINE) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) {
            inString = false;
            if (keyStart !== -1) {
              try {
                lastKey = JSON.parse(keyPending + chunk.slice(keyStart, i + 1)) as string;
              } catch {
                lastKey = '';
              }
              keyStart = -1;
              keyPending = '';
            }
          }
          continue;
        }
        if (isSpace(c)) continue;

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
            expectKey = true;
            lastKey = '';
            wholeObject = true;
            begin(i, '$', 0);
            depth = 1;
            continue;
          }
          yield { kind: 'syntax', message: `expected a JSON object or array, found '${String.fromCharCode(c)}'`, line };
          return;
        }

        // An element of the record array starts.
        if (elementDepth !== 0 && depth === elementDepth && !capturing && c !== COMMA && c !== CLOSE_BRACKET) {
          begin(i, `${arrayPath}[${elementIndex++}]`, elementDepth);
        }

        switch (c) {
          case QUOTE:
            inString = true;
            if (topIsObject && depth === 1 && expectKey) {
              keyStart = i;
              expectKey = false;
            }
            break;
          case OPEN_BRACE:
          case OPEN_BRACKET:
            if (topIsObject && depth === 1 && c === OPEN_BRACKET && elementDepth === 0 && ENVELOPE_KEYS.has(lastKey)) {
              // The top-level object is an envelope: its records are the elements of this array.
              if (wholeObject) {
                wholeObject = false;
                capturing = false;
                capturePending = '';
                captureStart = -1;
              }
              elementDepth = 2;
              arrayPath = `$.${lastKey}`;
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
              yield { kind: 'syntax', message: `unbalanced '${String.fromCharCode(c)}'`, line };
              return;
            }
            if (capturing && depth === captureDepth) yield finish(chunk, i + 1);
            break;
          }
          case COMMA:
            if (topIsObject && depth === 1) expectKey = true;
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
      if (keyStart !== -1) {
        keyPending += chunk.slice(keyStart);
        keyStart = 0;
      }
    }
    decoder.end();
    if (inString || depth !== 0) {
      yield { kind: 'syntax', message: 'unexpected end of file (truncated JSON)', line: capturing ? captureLine : line };
    }
  } finally {
    stream.destroy();
  }
}
