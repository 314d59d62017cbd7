import { ANSI_RESET, ansiStart, type TokenKind } from './colour.js';
import { compareCodePoints, isPyInt, pyFloatRepr } from './python.js';
import { PyDict, type PyValue } from './value.js';

/**
 * A port of the parts of PyYAML's `Serializer`/`Emitter` that `yaml.safe_dump(obj, default_flow_style=False,
 * allow_unicode=True)` exercises for JSON-like data: block collections, `{}`/`[]` for empty ones, sorted keys,
 * PyYAML's scalar style choice (plain, single-quoted, double-quoted), its line folding at width 80, the
 * `...` document end after a plain root scalar, and complex `? key` entries for keys that cannot be simple.
 * Column and state bookkeeping follows `yaml/emitter.py` line by line so the bytes match.
 * Not reproduced: anchors/aliases for objects that appear twice (JSON data has none).
 */

const BEST_WIDTH = 80;
const BEST_INDENT = 2;
const LINE_BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE_OR_END = '\0 \t\r\n\x85\u2028\u2029';

// PyYAML's implicit resolvers (yaml/resolver.py), keyed by first character as PyYAML does.
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE_RE = /^(?:<<)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const VALUE_RE = /^(?:=)$/;

const RESOLVERS: Array<[string, RegExp]> = [
  ['yYnNtTfFoO', BOOL_RE],
  ['-+0123456789.', FLOAT_RE],
  ['-+0123456789', INT_RE],
  ['<', MERGE_RE],
  ['~nN', NULL_RE],
  ['0123456789', TIMESTAMP_RE],
  ['=', VALUE_RE],
];

/** True when a plain scalar with this text would be read back as something other than a string. */
function resolvesToNonString(value: string): boolean {
  if (value === '') return true; // the null resolver is registered for ''
  const first = value[0];
  return RESOLVERS.some(([firsts, re]) => firsts.includes(first) && re.test(value));
}

interface ScalarAnalysis {
  scalar: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowDoubleQuoted: boolean;
}

function isUnicodePrintable(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return (
    (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp < 0x10ffff)) &&
    cp !== 0xfeff
  );
}

/** `Emitter.analyze_scalar` with `allow_unicode=True`. */
function analyzeScalar(text: string): ScalarAnalysis {
  const scalar = Array.from(text);
  if (scalar.length === 0) {
    return {
      scalar,
      empty: true,
      multiline: false,
      allowFlowPlain: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
      allowDoubleQuoted: true,
    };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;

  if (text.startsWith('---') || text.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = scalar.length === 1 || WHITESPACE_OR_END.includes(scalar[1]);
  let previousSpace = false;
  let previousBreak = false;
  let index = 0;
  while (index < scalar.length) {
    const ch = scalar[index];
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (LINE_BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      if (!isUnicodePrintable(ch)) specialCharacters = true;
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === scalar.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (LINE_BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === scalar.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    index += 1;
    precededByWhitespace = WHITESPACE_OR_END.includes(ch);
    followedByWhitespace = index + 1 >= scalar.length || WHITESPACE_OR_END.includes(scalar[index + 1]);
  }

  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  const allowDoubleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    allowFlowPlain = false;
    allowBlockPlain = false;
  }
  if (breakSpace) {
    allowFlowPlain = false;
    allowBlockPlain = false;
    allowSingleQuoted = false;
  }
  if (spaceBreak || specialCharacters) {
    allowFlowPlain = false;
    allowBlockPlain = false;
    allowSingleQuoted = false;
  }
  if (lineBreaks) {
    allowFlowPlain = false;
    allowBlockPlain = false;
  }
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return {
    scalar,
    empty: false,
    multiline: lineBreaks,
    allowFlowPlain,
    allowBlockPlain,
    allowSingleQuoted,
    allowDoubleQuoted,
  };
}

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

interface NodeContext {
  root?: boolean;
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

class Emitter {
  private readonly out: string[] = [];
  private indent: number | null = null;
  private readonly indents: Array<number | null> = [];
  private flowLevel = 0;
  private rootContext = false;
  private sequenceContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;

  constructor(private readonly colour: boolean) {}

  dump(value: PyValue): string {
    // StreamStart, implicit DocumentStart, the root node, implicit DocumentEnd, StreamEnd.
    this.node(value, { root: true });
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    return this.out.join('');
  }

  private node(value: PyValue, ctx: NodeContext): void {
    this.rootContext = ctx.root ?? false;
    this.sequenceContext = ctx.sequence ?? false;
    this.mappingContext = ctx.mapping ?? false;
    this.simpleKeyContext = ctx.simpleKey ?? false;
    if (Array.isArray(value)) {
      if (this.flowLevel > 0 || value.length === 0) this.flowEmpty('[', ']');
      else this.blockSequence(value);
    } else if (value instanceof PyDict) {
      if (this.flowLevel > 0 || value.entries.length === 0) this.flowEmpty('{', '}');
      else this.blockMapping(value);
    } else {
      this.scalar(value);
    }
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  /** Only empty collections reach flow style with `default_flow_style=False`. */
  private flowEmpty(open: string, close: string): void {
    this.writeIndicator(open, true, true);
    this.flowLevel += 1;
    this.increaseIndent(true);
    this.popIndent();
    this.flowLevel -= 1;
    this.writeIndicator(close, false);
  }

  private blockSequence(items: PyValue[]): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { sequence: true });
    }
    this.popIndent();
  }

  private blockMapping(dict: PyDict): void {
    this.increaseIndent(false);
    const entries = [...dict.entries].sort((a, b) => compareCodePoints(a[0], b[0]));
    for (const [key, value] of entries) {
      this.writeIndent();
      const length = Array.from(key).length;
      const simple = length < 128 && key !== '' && !Array.from(key).some((ch) => LINE_BREAKS.includes(ch));
      if (simple) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
        this.node(value, { mapping: true });
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
        this.node(value, { mapping: true });
      }
    }
    this.popIndent();
  }

  private scalar(value: Exclude<PyValue, PyValue[] | PyDict>): void {
    let text: string;
    let isString = false;
    let kind: TokenKind;
    if (value === null) {
      text = 'null';
      kind = 'literal';
    } else if (typeof value === 'boolean') {
      text = value ? 'true' : 'false';
      kind = 'literal';
    } else if (typeof value === 'bigint' || (typeof value === 'number' && isPyInt(value))) {
      text = BigInt(value).toString();
      kind = 'number';
    } else if (typeof value === 'number') {
      // SafeRepresenter.represent_float
      if (Number.isNaN(value)) text = '.nan';
      else if (value === Infinity) text = '.inf';
      else if (value === -Infinity) text = '-.inf';
      else {
        text = pyFloatRepr(value).toLowerCase();
        if (!text.includes('.') && text.includes('e')) text = text.replace('e', '.0e');
      }
      kind = 'number';
    } else {
      text = value;
      isString = true;
      kind = 'string';
    }
    if (this.simpleKeyContext) kind = 'key';
    const implicitPlain = isString ? !resolvesToNonString(text) : true;

    this.increaseIndent(true);
    const analysis = analyzeScalar(text);
    const style = this.chooseScalarStyle(analysis, implicitPlain);
    const split = !this.simpleKeyContext;
    const start = this.out.length;
    if (style === '"') this.writeDoubleQuoted(analysis.scalar, split);
    else if (style === "'") this.writeSingleQuoted(analysis.scalar, split);
    else this.writePlain(analysis.scalar, split);
    if (this.colour) this.colourize(start, kind);
    this.popIndent();
  }

  /** Wraps what the scalar wrote (after any separating space) in colour codes; columns are unaffected. */
  private colourize(start: number, kind: TokenKind): void {
    let first = start;
    while (first < this.out.length && /^[ \n]*$/.test(this.out[first])) first++;
    if (first >= this.out.length) return;
    const chunk = this.out[first];
    const lead = chunk.length - chunk.trimStart().length;
    if (lead > 0) this.out.splice(first, 1, chunk.slice(0, lead), ansiStart(kind), chunk.slice(lead));
    else this.out.splice(first, 0, ansiStart(kind));
    this.out.push(ANSI_RESET);
  }

  private chooseScalarStyle(analysis: ScalarAnalysis, implicitPlain: boolean): '' | "'" | '"' {
    if (implicitPlain) {
      if (
        !(this.simpleKeyContext && (analysis.empty || analysis.multiline)) &&
        ((this.flowLevel > 0 && analysis.allowFlowPlain) || (this.flowLevel === 0 && analysis.allowBlockPlain))
      ) {
        return '';
      }
    }
    if (analysis.allowSingleQuoted && !(this.simpleKeyContext && analysis.multiline)) return "'";
    return '"';
  }

  private write(data: string): void {
    this.out.push(data);
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
      this.column = indent;
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.write(data);
  }

  private writeChunk(text: string[], start: number, end: number): void {
    if (start >= end) return;
    this.column += end - start;
    this.write(text.slice(start, end).join(''));
  }

  private writePlain(text: string[], split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (text.length === 0) return;
    if (!this.whitespace) {
      this.column += 1;
      this.write(' ');
    }
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch: string | null = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.writeChunk(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !LINE_BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || (' ' + LINE_BREAKS).includes(ch)) {
        this.writeChunk(text, start, end);
        start = end;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
      end += 1;
    }
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch: string | null = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.writeChunk(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !LINE_BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || (' ' + LINE_BREAKS).includes(ch) || ch === "'") {
        if (start < end) {
          this.writeChunk(text, start, end);
          start = end;
        }
      }
      if (ch === "'") {
        this.column += 2;
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
      end += 1;
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch: string | null = end < text.length ? text[end] : null;
      if (ch === null || mustEscapeInDoubleQuotes(ch)) {
        this.writeChunk(text, start, end);
        if (start < end) start = end;
        if (ch !== null) {
          const cp = ch.codePointAt(0)!;
          let data: string;
          if (ch in ESCAPE_REPLACEMENTS) data = `\\${ESCAPE_REPLACEMENTS[ch]}`;
          else if (cp <= 0xff) data = `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
          else if (cp <= 0xffff) data = `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
          else data = `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
          this.column += data.length;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < text.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > BEST_WIDTH &&
        split
      ) {
        const data = `${text.slice(start, end).join('')}\\`;
        if (start < end) start = end;
        this.column += Array.from(data).length;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') {
          this.column += 1;
          this.write('\\');
        }
      }
      end += 1;
    }
    this.writeIndicator('"', false);
  }
}

function mustEscapeInDoubleQuotes(ch: string): boolean {
  if ('"\\\x85\u2028\u2029\uFEFF'.includes(ch)) return true;
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x20 && cp <= 0x7e) return false;
  // allow_unicode=True lets the BMP through; astral characters are still escaped as \UXXXXXXXX.
  return !((cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd));
}

/** `yaml.safe_dump(value, default_flow_style=False, allow_unicode=True)`; `colour` adds ANSI colours. */
export function pyYamlSafeDump(value: PyValue, colour = false): string {
  return new Emitter(colour).dump(value);
}
