import { createReadStream } from 'node:fs';
import { JSON_CHAR, JsonLexer, PalisadeError } from '../core/index.js';
import { ChunkDecoder } from './text-decoder.js';

export interface ScannedElement {
  text: string;
  /** 1-based line where the element starts */
  line: number;
  /** index of the element in its array */
  index: number;
  /** JSON path of the array holding it: `$` or `$.data` */
  arrayPath: string;
}

const { OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, QUOTE, COMMA, COLON } = JSON_CHAR;

/**
 * Streams the elements of a JSON array document (`[...]`) or of the `data` array of an `az graph query` page
 * (`{"count": n, "data": [...], "skip_token": ...}`) as raw JSON texts with their line numbers, so that a
 * multi-gigabyte document never has to exist as one string. Each element is parsed by the caller.
 */
export async function* scanJsonElements(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<ScannedElement> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const decoder = new ChunkDecoder();

  const lex = new JsonLexer();
  let depth = 0;
  /** depth at which elements of the row array live (1 for `[...]`, 2 for `{data:[...]}`); 0 = not inside it yet */
  let elementDepth = 0;
  let arrayPath = '$';
  let topIsObject = false;
  let sawTop = false;
  let dataSeen = false;

  let elementPending = '';
  let elementStart = -1;
  let elementLine = 0;
  let elementIndex = 0;

  for await (const bytes of stream as AsyncIterable<Buffer>) {
    onBytes?.(bytes.length);
    const chunk = decoder.write(bytes);
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      const c = chunk.charCodeAt(i);
      if (lex.skip(chunk, i, c)) continue;

      if (!sawTop) {
        sawTop = true;
        if (c === OPEN_BRACKET) {
          depth = 1;
          elementDepth = 1;
          continue;
        }
        if (c === OPEN_BRACE) {
          depth = 1;
          topIsObject = true;
          lex.expectKey = true;
          continue;
        }
        throw syntaxError(file, lex.line, `expected a JSON array or an 'az graph query' object, found '${String.fromCharCode(c)}'`);
      }

      // Start of an element of the row array?
      if (elementDepth !== 0 && depth === elementDepth && elementStart === -1 && elementPending === '' && c !== COMMA && c !== CLOSE_BRACKET) {
        elementStart = i;
        elementLine = lex.line;
      }

      switch (c) {
        case QUOTE:
          lex.openString(i, topIsObject && depth === 1);
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (topIsObject && depth === 1 && c === OPEN_BRACKET && lex.lastKey === 'data' && !dataSeen) {
            dataSeen = true;
            elementDepth = 2;
            arrayPath = '$.data';
          }
          depth++;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          if (elementDepth !== 0 && depth === elementDepth && c === CLOSE_BRACKET) {
            // the row array ends; flush a trailing scalar element
            if (elementStart !== -1 || elementPending !== '') {
              yield emit(chunk.slice(elementStart === -1 ? 0 : elementStart, i));
            }
            elementDepth = 0;
          }
          depth--;
          if (depth < 0) throw syntaxError(file, lex.line, `unbalanced '${String.fromCharCode(c)}'`);
          if (elementDepth !== 0 && depth === elementDepth && (elementStart !== -1 || elementPending !== '')) {
            yield emit(chunk.slice(elementStart === -1 ? 0 : elementStart, i + 1));
          }
          break;
        case COMMA:
          if (topIsObject && depth === 1) lex.expectKey = true;
          if (elementDepth !== 0 && depth === elementDepth && (elementStart !== -1 || elementPending !== '')) {
            yield emit(chunk.slice(elementStart === -1 ? 0 : elementStart, i));
          }
          break;
        case COLON:
          break;
        default:
          break;
      }
    }
    // carry partial element / key text into the next chunk
    if (elementStart !== -1) {
      elementPending += chunk.slice(elementStart);
      elementStart = -1;
    } else if (elementPending !== '') {
      elementPending += chunk;
    }
    lex.endChunk(chunk);
  }

  if (!sawTop) return;
  if (lex.inString || depth !== 0 || elementPending !== '') {
    throw syntaxError(file, elementPending !== '' ? elementLine : lex.line, 'unexpected end of file (truncated JSON)');
  }
  if (topIsObject && !dataSeen) {
    throw new PalisadeError('EstateFormatUnrecognized', `${file}: a JSON object must be an 'az graph query' page with a "data" array`, {
      kind: 'validation',
      location: { file, path: '$.data' },
    });
  }

  function emit(tail: string): ScannedElement {
    const text = (elementPending + tail).trim();
    elementPending = '';
    elementStart = -1;
    return { text, line: elementLine, index: elementIndex++, arrayPath };
  }
}

function syntaxError(file: string, line: number, message: string): PalisadeError {
  return new PalisadeError('EstateJsonSyntax', `${file}:${line}: ${message}`, { kind: 'validation', location: { file, line } });
}
