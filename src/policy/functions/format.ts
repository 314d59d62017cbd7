/** format(): .NET composite formatting (`{0}`, `{0,10}`, `{0:N2}`, `{{`), the subset ARM supports. */
import { fnError, LIMITS } from '../errors.js';
import { argString, def, type FunctionDef } from './types.js';

const MAX_ALIGNMENT = 100000;

function groupThousands(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function fixed(n: number, digits: number): string {
  // Round half away from zero like .NET.
  const factor = 10 ** digits;
  const rounded = Math.sign(n) * Math.round(Math.abs(n) * factor + 1e-9) / factor;
  return rounded.toFixed(digits);
}

function formatNumber(value: unknown, spec: string): string {
  const m = /^([A-Za-z])(\d{0,2})$/.exec(spec);
  if (!m || typeof value !== 'number') throw fnError(`invalid numeric format specifier '${spec}'`);
  const kind = m[1];
  const precision = m[2] === '' ? undefined : Number(m[2]);
  switch (kind) {
    case 'F':
    case 'f':
      return fixed(value, precision ?? 2);
    case 'N':
    case 'n': {
      const s = fixed(value, precision ?? 2);
      const [i, f] = s.split('.');
      const neg = i.startsWith('-');
      const grouped = groupThousands(neg ? i.slice(1) : i);
      return (neg ? '-' : '') + grouped + (f !== undefined ? '.' + f : '');
    }
    case 'D':
    case 'd':
      if (!Number.isInteger(value)) throw fnError(`invalid numeric format specifier '${spec}' for a non-integer`);
      return (value < 0 ? '-' : '') + String(Math.abs(value)).padStart(precision ?? 0, '0');
    case 'X':
    case 'x': {
      if (!Number.isInteger(value)) throw fnError(`invalid numeric format specifier '${spec}' for a non-integer`);
      const hex = (value >>> 0).toString(16).padStart(precision ?? 0, '0');
      return kind === 'X' ? hex.toUpperCase() : hex;
    }
    case 'P':
    case 'p':
      return `${fixed(value * 100, precision ?? 2)} %`;
    case 'E':
    case 'e': {
      const s = value.toExponential(precision ?? 6);
      const [mant, exp] = s.split('e');
      const sign = exp.startsWith('-') ? '-' : '+';
      const out = `${mant}e${sign}${exp.replace(/^[-+]/, '').padStart(3, '0')}`;
      return kind === 'E' ? out.toUpperCase() : out;
    }
    case 'G':
    case 'g':
      return precision === undefined ? String(value) : String(Number(value.toPrecision(precision)));
    default:
      throw fnError(`invalid numeric format specifier '${spec}'`);
  }
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

export function composite(template: string, args: unknown[]): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const end = template.indexOf('}', i);
      if (end < 0) throw fnError('format(): unmatched opening brace');
      const body = template.slice(i + 1, end);
      const m = /^(\d+)(?:,([^:]*))?(?::(.*))?$/.exec(body);
      if (!m) throw fnError(`format(): invalid placeholder '{${body}}'`);
      const index = Number(m[1]);
      if (index >= args.length) throw fnError(`format(): placeholder {${index}} references argument index ${index}, but only ${args.length} were given`);
      let text = m[3] !== undefined ? formatNumber(args[index], m[3]) : render(args[index]);
      if (m[2] !== undefined) {
        const alignText = m[2].trim();
        if (alignText === '') throw fnError('format(): empty alignment value');
        if (!/^-?\d+$/.test(alignText)) throw fnError(`format(): invalid alignment '${m[2]}'`);
        const align = Number(alignText);
        if (Math.abs(align) > MAX_ALIGNMENT) throw fnError(`format(): alignment ${align} exceeds maximum allowed ${MAX_ALIGNMENT}`);
        const len = Array.from(text).length;
        if (len < Math.abs(align)) text = align > 0 ? ' '.repeat(align - len) + text : text + ' '.repeat(-align - len);
      }
      out += text;
      i = end + 1;
      continue;
    }
    if (c === '}') {
      if (template[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw fnError('format(): unmatched closing brace');
    }
    out += c;
    i++;
  }
  if (out.length > LIMITS.maxStringLength) throw fnError('format(): result too long');
  return out;
}

export const formatFunctions: FunctionDef[] = [def('format', 1, Infinity, (a) => composite(argString('format', a[0], 0), a.slice(1)))];
