/**
 * Small, allocation-light readers for parsed telemetry records: own properties only (never the prototype chain),
 * timestamps in the shapes the logs use, IP addresses with or without a port, and the coded `RecordError` that
 * normalisers throw for a record they cannot read.
 */
import { jsonPath } from '../../core/index.js';
import type { EventFieldValue } from '../event.js';
import { REJECTION_CODES, type RejectionCode } from './types.js';

export type JsonObject = Record<string, unknown>;
export type FieldMap = Record<string, EventFieldValue>;

/** Thrown by a normaliser for a record it cannot turn into an event; caught and reported as a RejectedRecord. */
export class RecordError extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
    /** JSON path segments inside the record, when a field is at fault. */
    readonly path?: ReadonlyArray<string | number>,
  ) {
    super(message);
  }
}

export function invalid(path: ReadonlyArray<string | number>, message: string): RecordError {
  return new RecordError(REJECTION_CODES.invalidRecord, message, path);
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** An own property (null reads as undefined). */
export function own(obj: JsonObject, key: string): unknown {
  if (!hasOwn.call(obj, key)) return undefined;
  const value = obj[key];
  return value === null ? undefined : value;
}

/** The first own property among `keys` that is present (not null). */
export function first(obj: JsonObject, keys: readonly string[]): unknown {
  for (const key of keys) {
    const value = own(obj, key);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** An own object property, or undefined; a present value of another type is a RecordError. */
export function optObject(obj: JsonObject, key: string, path: ReadonlyArray<string | number>): JsonObject | undefined {
  const value = own(obj, key);
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid([...path, key], `expected an object, found ${describe(value)}`);
  return value;
}

/** A string property; numbers and booleans are accepted and written as text (logs are loose about types). */
export function optText(obj: JsonObject, key: string, path: ReadonlyArray<string | number>): string | undefined {
  const value = own(obj, key);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid([...path, key], `expected a string, found ${describe(value)}`);
}

/** A number, or a string holding one. */
export function optNumber(obj: JsonObject, key: string, path: ReadonlyArray<string | number>): number | undefined {
  const value = own(obj, key);
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw invalid([...path, key], `expected a number, found ${describe(value)}`);
  return n;
}

/** A boolean, or the strings true/false (any case), or 1/0. */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1' || v === 'yes') return true;
    if (v === 'false' || v === '0' || v === 'no') return false;
  }
  return undefined;
}

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A scalar field value as the event model keeps it (objects and arrays become JSON text). */
export function fieldValue(value: unknown): EventFieldValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Sets a field unless the key could reach a prototype or the value is absent. */
export function setField(fields: FieldMap, key: string, value: EventFieldValue | undefined): void {
  if (value === undefined || key === '__proto__' || key === 'constructor' || key === 'prototype') return;
  fields[key] = value;
}

export function capitalise(key: string): string {
  return key.length === 0 ? key : key[0].toUpperCase() + key.slice(1);
}

// ---------------------------------------------------------------------------------------------------------------
// Time

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch ms of an ISO 8601 / RFC 3339 timestamp, with any number of fraction digits (Azure writes seven), a space or
 * `T` between date and time, and an optional zone (none means UTC — the logs read here are all UTC). Also accepts
 * numbers: epoch seconds below 1e11, else epoch ms. Undefined when unreadable.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== 'string') return undefined;
  const m = ISO.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (frac !== undefined) ms += Math.floor(Number(`0.${frac}`) * 1000 + 1e-6);
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2, 4)) : 0);
    ms -= sign * offset * 60_000;
  }
  return Number.isFinite(ms) ? ms : undefined;
}

/** The first readable time among `keys`; a RecordError naming the keys when none is. */
export function recordTime(obj: JsonObject, keys: readonly string[], path: ReadonlyArray<string | number> = []): number {
  for (const key of keys) {
    const value = own(obj, key);
    if (value === undefined) continue;
    const ms = parseTimestamp(value);
    if (ms === undefined) throw new RecordError(REJECTION_CODES.invalidTime, `'${key}' is not a timestamp: ${describe(value)}`, [...path, key]);
    return ms;
  }
  throw new RecordError(REJECTION_CODES.invalidTime, `no event time (expected one of ${keys.join(', ')})`, path);
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

/**
 * The IP of `ip`, `ip:port`, `[v6]:port` or a bare IPv6 address; undefined for empty or `-` values.
 * Storage logs write `CallerIpAddress` with the client port.
 */
export function stripPort(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '' || v === '-') return undefined;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    return close > 1 ? v.slice(1, close) : undefined;
  }
  const colon = v.indexOf(':');
  if (colon === -1) return v;
  if (v.indexOf(':', colon + 1) !== -1) return v; // IPv6 without brackets
  return v.slice(0, colon);
}

// ---------------------------------------------------------------------------------------------------------------
// Encodings

const HEX_RE = /^(?:[0-9A-Fa-f]{2})+$/;

export function isHex(text: string): boolean {
  return HEX_RE.test(text);
}

/** Bytes of a hex string decoded as UTF-8 (auditd hex-encodes arguments with spaces, quotes or non-ASCII bytes). */
export function hexToText(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** Lower-case hex of a base64 value (Storage logs carry Content-MD5 as base64; hash lists are hex). */
export function base64ToHex(value: string): string | undefined {
  const v = value.trim();
  if (v === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v) || v.length % 4 !== 0) return undefined;
  return Buffer.from(v, 'base64').toString('hex');
}

export function pathOf(segments: ReadonlyArray<string | number> | undefined, base = '$'): string {
  if (segments === undefined || segments.length === 0) return base;
  const tail = jsonPath(segments).slice(1);
  return base + tail;
}
