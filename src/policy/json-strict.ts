/**
 * ARM rejects JSON objects with a repeated property name; JSON.parse keeps the last one silently.
 * This scanner finds the first duplicate (names compared ignoring case, as ARM does) without building values.
 */
export function findDuplicateKey(text: string): { key: string; offset: number } | undefined {
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          s += text.slice(j, j + 2);
          j += 2;
        } else s += text[j++];
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        let key = s;
        try {
          key = JSON.parse(`"${s}"`) as string;
        } catch {
          /* keep raw */
        }
        const lower = key.toLowerCase();
        if (top.has(lower)) return { key, offset: i };
        top.add(lower);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
    i++;
  }
  return undefined;
}
