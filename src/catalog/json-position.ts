/**
 * Where JSON text first goes wrong: a small recursive-descent checker that returns the offset, line and column of
 * the first syntax error (V8's `JSON.parse` messages do not always carry a position). Used only after
 * `JSON.parse` has failed, so speed does not matter; depth is bounded by an explicit stack, never recursion.
 */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
}

export function jsonErrorPosition(text: string): JsonErrorPosition | undefined {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): JsonErrorPosition => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    return { offset: i, line, column: i - before.lastIndexOf('\n') };
  };
  const literal = (): boolean => {
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0) {
      i += m[0].length;
      return true;
    }
    return false;
  };
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < n && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) return false;
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) return false;
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) return false;
      }
      i++;
    }
    if (i >= n) return false;
    i++;
    return true;
  };
  // Explicit stack of containers: '{' or '['.
  const stack: string[] = [];
  ws();
  for (;;) {
    // expect a value
    ws();
    if (text[i] === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else {
        if (!string()) return fail();
        ws();
        if (text[i] !== ':') return fail();
        i++;
        stack.push('{');
        continue;
      }
    } else if (text[i] === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else {
        stack.push('[');
        continue;
      }
    } else if (!(string() || literal())) return fail();
    // after a value: close containers or take the next member
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return i < n ? fail() : undefined;
      }
      if (text[i] === ',') {
        i++;
        ws();
        if (top === '{') {
          if (!string()) return fail();
          ws();
          if (text[i] !== ':') return fail();
          i++;
        }
        break;
      }
      if ((top === '{' && text[i] === '}') || (top === '[' && text[i] === ']')) {
        i++;
        stack.pop();
        continue;
      }
      return fail();
    }
  }
}
