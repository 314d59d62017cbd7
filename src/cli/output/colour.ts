/**
 * ANSI colours for `-o jsonc` / `-o yamlc`. az colours through pygments' TerminalFormatter; we keep its palette
 * for keys (bright blue), strings (yellow) and numbers (blue), and give `true`/`false`/`null` their own colour
 * (cyan) where pygments reuses blue. The reset sequence is pygments' `ESC[39;49;00m`.
 */
export const ANSI_RESET = '\x1b[39;49;00m';

export type TokenKind = 'key' | 'string' | 'number' | 'literal';

const CODES: Record<TokenKind, string> = {
  key: '\x1b[94m',
  string: '\x1b[33m',
  number: '\x1b[34m',
  literal: '\x1b[36m',
};

export function ansiStart(kind: TokenKind): string {
  return CODES[kind];
}

export function paint(text: string, kind: TokenKind, colour: boolean): string {
  return colour ? `${CODES[kind]}${text}${ANSI_RESET}` : text;
}
