/**
 * Parser for the ARM template-expression language as Azure Policy uses it:
 *
 *   "[concat('a', parameters('p')[0].name)]"      an expression
 *   "[[not an expression]"                         the literal string "[not an expression]"
 *   "plain"                                        a literal string
 *
 * Grammar: expr := primary postfix*;  primary := 'string' (with '' escapes) | number | true | false | null
 * | name '(' [expr (',' expr)*] ')';  postfix := '.' name | '[' expr ']'.
 */
import { LIMITS } from './errors.js';

export type Expr =
  | { readonly k: 'lit'; readonly v: unknown }
  | { readonly k: 'call'; readonly name: string; readonly lower: string; readonly args: readonly Expr[] }
  | { readonly k: 'prop'; readonly target: Expr; readonly name: string }
  | { readonly k: 'index'; readonly target: Expr; readonly index: Expr };

export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** True when a JSON string is a template expression (`[...]`, not `[[...`). */
export function isExpression(text: string): boolean {
  return text.length >= 2 && text.charCodeAt(0) === 91 && text.charCodeAt(text.length - 1) === 93 && text.charCodeAt(1) !== 91;
}

/**
 * Parses one JSON string value: a literal (with the `[[` escape removed) or an expression AST.
 * Throws ExpressionSyntaxError.
 */
export function parseStringValue(text: string): Expr {
  if (text.length >= 2 && text.charCodeAt(0) === 91 && text.charCodeAt(text.length - 1) === 93) {
    if (text.charCodeAt(1) === 91) return { k: 'lit', v: text.slice(1) };
    return parseExpression(text.slice(1, -1));
  }
  return { k: 'lit', v: text };
}

/** Parses the inside of `[...]`. */
export function parseExpression(source: string): Expr {
  if (source.length > LIMITS.maxExpressionLength) throw new ExpressionSyntaxError('expression is too long', 0);
  const p = new Parser(source);
  p.skipWs();
  if (p.pos >= source.length) throw new ExpressionSyntaxError('empty expression', 0);
  const e = p.expr(0);
  p.skipWs();
  if (p.pos < source.length) throw new ExpressionSyntaxError(`unexpected '${source[p.pos]}'`, p.pos);
  return e;
}

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  skipWs(): void {
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  fail(message: string): never {
    throw new ExpressionSyntaxError(message, this.pos);
  }

  expr(depth: number): Expr {
    if (depth > LIMITS.maxDepth) this.fail('expression nests too deeply');
    let e = this.primary(depth);
    for (;;) {
      this.skipWs();
      const c = this.s[this.pos];
      if (c === '.') {
        this.pos++;
        this.skipWs();
        const name = this.ident();
        if (name === '') this.fail("expected a property name after '.'");
        e = { k: 'prop', target: e, name };
      } else if (c === '[') {
        this.pos++;
        this.skipWs();
        const index = this.expr(depth + 1);
        this.skipWs();
        if (this.s[this.pos] !== ']') this.fail("expected ']'");
        this.pos++;
        e = { k: 'index', target: e, index };
      } else return e;
    }
  }

  ident(): string {
    const start = this.pos;
    while (this.pos < this.s.length && /[A-Za-z0-9_$]/.test(this.s[this.pos])) this.pos++;
    return this.s.slice(start, this.pos);
  }

  primary(depth: number): Expr {
    this.skipWs();
    const c = this.s[this.pos];
    if (c === undefined) this.fail('unexpected end of expression');
    if (c === "'") return { k: 'lit', v: this.string() };
    if (c === '-' || (c >= '0' && c <= '9')) return { k: 'lit', v: this.number() };
    if (/[A-Za-z_]/.test(c)) {
      const name = this.ident();
      this.skipWs();
      if (this.s[this.pos] !== '(') {
        const lower = name.toLowerCase();
        if (lower === 'true') return { k: 'lit', v: true };
        if (lower === 'false') return { k: 'lit', v: false };
        if (lower === 'null') return { k: 'lit', v: null };
        this.fail(`expected '(' after '${name}'`);
      }
      this.pos++;
      const args: Expr[] = [];
      this.skipWs();
      if (this.s[this.pos] === ')') {
        this.pos++;
      } else {
        for (;;) {
          args.push(this.expr(depth + 1));
          this.skipWs();
          const d = this.s[this.pos];
          if (d === ',') {
            this.pos++;
            continue;
          }
          if (d === ')') {
            this.pos++;
            break;
          }
          this.fail(d === undefined ? "missing ')'" : `expected ',' or ')' but found '${d}'`);
        }
      }
      return { k: 'call', name, lower: name.toLowerCase(), args };
    }
    this.fail(`unexpected '${c}'`);
  }

  string(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const i = this.s.indexOf("'", this.pos);
      if (i < 0) this.fail('unterminated string literal');
      out += this.s.slice(this.pos, i);
      if (this.s[i + 1] === "'") {
        out += "'";
        this.pos = i + 2;
        continue;
      }
      this.pos = i + 1;
      return out;
    }
  }

  number(): number {
    const m = /^-?\d+(\.\d+)?/.exec(this.s.slice(this.pos));
    if (!m) this.fail('invalid number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}
