/**
 * ARM error bodies (`{error: {code, message, target?, details?}}`) and the HTTP status of every error the server
 * answers: a coded `ApiError`, a `PalisadeError` (status from its kind), a Fastify error (body limit, bad content
 * type), or anything else (500 InternalServerError, never a stack trace).
 */
import { PalisadeError, type ErrorKind } from '../core/index.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly target?: string,
  ) {
    super(message);
  }
}

export interface ArmErrorBody {
  error: { code: string; message: string; target?: string; details?: Array<{ code: string; message: string; target?: string }> };
}

const KIND_STATUS: Record<ErrorKind, number> = {
  argument: 400,
  validation: 400,
  notFound: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  io: 500,
  internal: 500,
};

/** The status, headers and ARM body of an error. `internal` is called with errors that became a 500. */
export function toArmError(err: unknown, internal?: (err: unknown) => void): { status: number; headers: Record<string, string>; body: ArmErrorBody } {
  if (err instanceof ApiError) {
    return { status: err.status, headers: err.headers, body: { error: { code: err.code, message: err.message, ...(err.target ? { target: err.target } : {}) } } };
  }
  if (err instanceof PalisadeError) {
    const status = KIND_STATUS[err.kind] ?? 400;
    if (status >= 500) {
      internal?.(err);
      return { status, headers: {}, body: { error: { code: 'InternalServerError', message: 'The server encountered an internal error.' } } };
    }
    const body: ArmErrorBody = { error: { code: err.code, message: err.message } };
    if (err.target) body.error.target = err.target;
    if (err.details.length > 0) body.error.details = err.details.map((d) => ({ code: d.code, message: d.message, ...(d.target ? { target: d.target } : {}) }));
    return { status, headers: {}, body };
  }
  const fst = err as { statusCode?: number; code?: string; message?: string } | undefined;
  if (fst && typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    const code =
      fst.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'RequestEntityTooLarge'
        : fst.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'UnsupportedMediaType'
          : fst.statusCode === 413
            ? 'RequestEntityTooLarge'
            : fst.statusCode === 415
              ? 'UnsupportedMediaType'
              : 'InvalidRequestContent';
    const message =
      code === 'RequestEntityTooLarge'
        ? 'The request content is too large.'
        : code === 'UnsupportedMediaType'
          ? "The request content type is not supported: send 'application/json'."
          : `The request content was invalid and could not be deserialized: ${String(fst.message ?? '').replace(/\s+at .*$/s, '')}`;
    return { status: fst.statusCode, headers: {}, body: { error: { code, message } } };
  }
  internal?.(err);
  return { status: 500, headers: {}, body: { error: { code: 'InternalServerError', message: 'The server encountered an internal error.' } } };
}

export function notFound(code: string, message: string, target?: string): ApiError {
  return new ApiError(404, code, message, {}, target);
}

export function badRequest(code: string, message: string, target?: string): ApiError {
  return new ApiError(400, code, message, {}, target);
}
