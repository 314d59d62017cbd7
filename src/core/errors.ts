/**
 * Errors with stable codes. The code is the contract; the message is for people.
 * `kind` maps an error onto the az error taxonomy and therefore onto a CLI exit code.
 */

export type ErrorKind =
  | 'argument' // bad CLI arguments or API parameters (az exit 2 / HTTP 400)
  | 'validation' // input data is invalid (exit 1 / HTTP 400)
  | 'notFound' // a named thing does not exist (exit 3 / HTTP 404)
  | 'conflict' // the write conflicts with existing state (exit 1 / HTTP 409)
  | 'unauthorized' // HTTP 401
  | 'forbidden' // HTTP 403
  | 'io' // a file or connection failed (exit 1)
  | 'internal'; // a bug (exit 1 / HTTP 500)

/** Where a problem was found: a file and line, and a JSON path inside the value. */
export interface SourceLocation {
  file?: string;
  line?: number;
  /** JSON path such as `$.properties.networkAcls.ipRules[2]` */
  path?: string;
}

export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
  location?: SourceLocation;
}

export interface PalisadeErrorOptions {
  kind?: ErrorKind;
  target?: string;
  location?: SourceLocation;
  details?: ErrorDetail[];
  cause?: unknown;
}

export class PalisadeError extends Error {
  override readonly name = 'PalisadeError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly target?: string;
  readonly location?: SourceLocation;
  readonly details: ErrorDetail[];

  constructor(code: string, message: string, options: PalisadeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options.kind ?? 'validation';
    this.target = options.target;
    this.location = options.location;
    this.details = options.details ?? [];
  }

  /** The ARM error body shape: `{code, message, target?, details?}`. */
  toJSON(): { code: string; message: string; target?: string; details?: ErrorDetail[] } {
    const body: { code: string; message: string; target?: string; details?: ErrorDetail[] } = {
      code: this.code,
      message: this.message,
    };
    if (this.target !== undefined) body.target = this.target;
    if (this.details.length > 0) body.details = this.details;
    return body;
  }
}

export function isPalisadeError(value: unknown): value is PalisadeError {
  return value instanceof PalisadeError;
}

/** `file:line: $.path: ` prefix used in every located message. */
export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return '';
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(location.line !== undefined ? `${location.file}:${location.line}` : location.file);
  else if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.path !== undefined) parts.push(location.path);
  return parts.length > 0 ? `${parts.join(': ')}: ` : '';
}

/** Builds a JSON path (`$.a.b[3]["odd key"]`) from path segments. */
export function jsonPath(segments: ReadonlyArray<string | number>): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
