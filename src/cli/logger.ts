/** az-style diagnostics on stderr: `WARNING:`, `INFO:` (with --verbose), `DEBUG:` (with --debug). */
export type LogLevel = 'error' | 'warning' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, debug: 3 };

/** Keys whose values never reach a log line. */
const SECRET_PATTERN = /(password|secret|token|key|connectionstring)=([^&\s]+)/gi;

export class Logger {
  constructor(
    private readonly level: LogLevel,
    private readonly write: (text: string) => void = (text) => process.stderr.write(text),
  ) {}

  static fromFlags(flags: { verbose?: boolean; debug?: boolean; onlyShowErrors?: boolean }, write?: (text: string) => void): Logger {
    const level: LogLevel = flags.debug ? 'debug' : flags.verbose ? 'info' : flags.onlyShowErrors ? 'error' : 'warning';
    return new Logger(level, write);
  }

  enabled(level: LogLevel): boolean {
    return ORDER[level] <= ORDER[this.level];
  }

  warning(message: string): void {
    if (this.enabled('warning')) this.write(`WARNING: ${redact(message)}\n`);
  }

  info(message: string): void {
    if (this.enabled('info')) this.write(`INFO: ${redact(message)}\n`);
  }

  debug(message: string): void {
    if (this.enabled('debug')) this.write(`DEBUG: ${redact(message)}\n`);
  }
}

/** Removes credentials from URLs and key=value pairs. */
export function redact(text: string): string {
  return text.replace(/(\w+:\/\/[^:/\s]+:)[^@\s]+@/g, '$1***@').replace(SECRET_PATTERN, '$1=***');
}
