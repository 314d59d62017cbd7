/**
 * JSON text helpers for scanner files: parse without prototype keys, and find *where* something is in the text —
 * the line and column of a syntax error (V8's messages do not always carry a position) and the line of the value at
 * a JSON path (for coded record errors). The walker is iterative (no recursion, so any nesting depth is safe) and runs
 * only after a failure, so it favours clarity over speed.
 */
import { PalisadeError, safeJsonParse } from '../core/index.js';

export interface TextPosition {
  offset: number;
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units */
  column: number;
}

export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

interface Frame {
  open: '{' | '[';
  key: string;
  index: number;
}

type Visitor = (stack: readonly Frame[]) => boolean;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Walks JSON text. Returns `{error}` with the offset of the first syntax error, `{found}` with the offset of the
 * first value for which `visit` returned true, or `{}` when the text is valid and nothing was found.
 */
function walkJson(text: string, visit?: Visitor): { error?: number; found?: number } {
  const n = text.length;
  let i = 0;
  const stack: Frame[] = [];
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  /** Reads a string at `i`; returns its value, or undefined with `i` at the offending character. */
  const readString = (): string | undefined => {
    if (text[i] !== '"') return undefined;
    const start = i;
    i++;
    let escaped = false;
    while (i < n && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) return undefined;
      if (c === 92) {
        escaped = true;
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i++;
            return undefined;
          }
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          i++;
          return undefined;
        }
        i += 2;
        continue;
      }
      i++;
    }
    if (i >= n) return undefined;
    i++;
    const raw = text.slice(start + 1, i - 1);
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : raw;
  };
  const readScalar = (): boolean => {
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m !== null && m[0].length > 0) {
      i += m[0].length;
      return true;
    }
    return false;
  };
  const readMemberKey = (frame: Frame): boolean => {
    const key = readString();
    if (key === undefined) return false;
    ws();
    if (text[i] !== ':') return false;
    i++;
    frame.key = key;
    return true;
  };

  for (;;) {
    ws();
    if (visit !== undefined && visit(stack)) return { found: i };
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) i++;
      else {
        const frame: Frame = { open: c, key: '', index: 0 };
        if (c === '{' && !readMemberKey(frame)) return { error: i };
        stack.push(frame);
        continue;
      }
    } else if (c === '"') {
      if (readString() === undefined) return { error: i };
    } else if (!readScalar()) return { error: i };
    // after a value: close containers, or move to the next member / element
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) return i < n ? { error: i } : {};
      if (text[i] === ',') {
        i++;
        ws();
        if (top.open === '{') {
          if (!readMemberKey(top)) return { error: i };
        } else top.index++;
        break;
      }
      if (text[i] === (top.open === '{' ? '}' : ']')) {
        i++;
        stack.pop();
        continue;
      }
      return { error: i };
    }
  }
}

/** Where the first syntax error of `text` is (undefined when the text is valid JSON). */
export function syntaxErrorPosition(text: string): TextPosition | undefined {
  const { error } = walkJson(text);
  return error === undefined ? undefined : positionAt(text, error);
}

/** Where the value at `path` starts in `text` (valid JSON), or undefined when it is not there. */
export function locatePath(text: string, path: ReadonlyArray<string | number>): TextPosition | undefined {
  const { found } = walkJson(text, (stack) => {
    if (stack.length !== path.length) return false;
    for (let k = 0; k < path.length; k++) {
      const frame = stack[k];
      const want = path[k];
      if (frame.open === '[' ? frame.index !== want : frame.key !== want) return false;
    }
    return true;
  });
  return found === undefined ? undefined : positionAt(text, found);
}

/** Text of a file: UTF-8, or UTF-16 with a byte-order mark (Windows PowerShell 5 redirection writes UTF-16LE). */
export function decodeFileText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}

/** Parses scanner JSON (leading BOM allowed); a syntax error becomes `FindingsJsonSyntax` with line and column. */
export function parseJsonText(text: string, file: string): { value: unknown; text: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new PalisadeError('FindingsJsonSyntax', `${file}: the file is empty (line 1, column 1); expected a scanner's JSON output`, {
      kind: 'validation',
      target: `${file}:1:1`,
      location: { file, line: 1 },
    });
  }
  try {
    return { value: safeJsonParse(body), text: body };
  } catch (cause) {
    const at = syntaxErrorPosition(body) ?? positionAt(body, body.length);
    const what = at.offset >= body.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(body.slice(at.offset, at.offset + 1))}`;
    throw new PalisadeError('FindingsJsonSyntax', `${file}: invalid JSON at line ${at.line}, column ${at.column}: ${what}`, {
      kind: 'validation',
      target: `${file}:${at.line}:${at.column}`,
      location: { file, line: at.line },
      cause,
    });
  }
}
