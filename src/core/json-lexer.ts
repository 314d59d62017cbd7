/**
 * The lexical layer of the streaming JSON scanners (the estate's array scanner and the telemetry record scanner):
 * they walk decoded chunks character by character and need the same bookkeeping underneath their own structure —
 * line numbers, whether a character is inside a string (escapes included), and the keys of the top-level object, a
 * key possibly split across chunks.
 */

/** Character codes of JSON's structural characters. */
export const JSON_CHAR = {
  OPEN_BRACE: 123,
  CLOSE_BRACE: 125,
  OPEN_BRACKET: 91,
  CLOSE_BRACKET: 93,
  QUOTE: 34,
  BACKSLASH: 92,
  COMMA: 44,
  COLON: 58,
  NEWLINE: 10,
} as const;

const { QUOTE, BACKSLASH, NEWLINE } = JSON_CHAR;

/** JSON white space, and a byte order mark. */
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff;
}

export class JsonLexer {
  /** 1-based line of the character last read. */
  line = 1;
  /** Inside a string: after its opening quote, up to its closing one. */
  inString = false;
  /** The last key of the top-level object read so far. */
  lastKey = '';
  /** The next string opened where a top-level key may stand is a key (set by the scanner after `{` and `,`). */
  expectKey = false;
  private escaped = false;
  private keyStart = -1;
  private keyPending = '';

  /** `parseKey` turns a key's JSON text (quotes included) into the key; by default JSON.parse, which throws on a bad escape. */
  constructor(private readonly parseKey: (json: string) => string = (json) => JSON.parse(json) as string) {}

  /**
   * Reads character `c` at index `i` of `chunk`: counts the line and walks strings. True when `c` leaves the caller
   * nothing to do: it is white space or part of a string (its closing quote included).
   */
  skip(chunk: string, i: number, c: number): boolean {
    if (c === NEWLINE) this.line++;
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) {
        this.inString = false;
        if (this.keyStart !== -1) {
          this.lastKey = this.parseKey(this.keyPending + chunk.slice(this.keyStart, i + 1));
          this.keyStart = -1;
          this.keyPending = '';
        }
      }
      return true;
    }
    return isSpace(c);
  }

  /** A string opens at index `i`; `atTopKey`: it stands where a key of the top-level object may (depth 1 of it). */
  openString(i: number, atTopKey: boolean): void {
    this.inString = true;
    if (atTopKey && this.expectKey) {
      this.keyStart = i;
      this.expectKey = false;
    }
  }

  /** After the last character of `chunk`: keeps the part of a key read so far for the next chunk. */
  endChunk(chunk: string): void {
    if (this.keyStart !== -1) {
      this.keyPending += chunk.slice(this.keyStart);
      this.keyStart = 0;
    }
  }
}
