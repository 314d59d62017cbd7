import { ResourceId, jsonPath } from '../core/index.js';
import type { ArgRow } from './types.js';

/** One problem with one row; `path` is the JSON path inside the row. */
export interface RowIssue {
  code: string;
  path: string;
  message: string;
}

const STRING_FIELDS = ['tenantId', 'subscriptionId', 'resourceGroup', 'location', 'kind', 'managedBy'] as const;
const OBJECT_FIELDS = ['sku', 'plan', 'identity', 'extendedLocation', 'properties'] as const;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Checks the shape every ARG row must have. Returns the issues (empty when valid) and, when the id parses,
 * the parsed id so the caller does not parse twice.
 */
export function validateRow(value: unknown): { issues: RowIssue[]; id?: ResourceId } {
  const issues: RowIssue[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ code: 'EstateRowNotObject', path: '$', message: `a row must be a JSON object, got ${describe(value)}` });
    return { issues };
  }
  const row = value as Record<string, unknown>;
  let parsed: ResourceId | undefined;

  for (const field of ['id', 'type', 'name'] as const) {
    const v = row[field];
    if (v === undefined || v === null || v === '') {
      issues.push({ code: 'EstateMissingField', path: jsonPath([field]), message: `required property '${field}' is missing` });
    } else if (typeof v !== 'string') {
      issues.push({ code: 'EstateWrongType', path: jsonPath([field]), message: `expected string, got ${describe(v)}` });
    }
  }

  if (typeof row.id === 'string' && row.id !== '') {
    const result = ResourceId.tryParse(row.id);
    if (typeof result === 'string') {
      issues.push({ code: 'EstateInvalidId', path: '$.id', message: `'${row.id}' is not a valid resource id: ${result}` });
    } else {
      parsed = result;
      if (typeof row.type === 'string' && row.type !== '' && result.kind !== 'tenant' && result.type.toLowerCase() !== row.type.toLowerCase()) {
        issues.push({
          code: 'EstateTypeMismatch',
          path: '$.type',
          message: `type '${row.type}' does not match the id's type '${result.type}'`,
        });
      }
      if (
        typeof row.subscriptionId === 'string' &&
        row.subscriptionId !== '' &&
        result.subscriptionId !== undefined &&
        result.subscriptionId.toLowerCase() !== row.subscriptionId.toLowerCase()
      ) {
        issues.push({
          code: 'EstateFieldMismatch',
          path: '$.subscriptionId',
          message: `subscriptionId '${row.subscriptionId}' does not match the id's subscription '${result.subscriptionId}'`,
        });
      }
    }
  }

  for (const field of STRING_FIELDS) {
    const v = row[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      issues.push({ code: 'EstateWrongType', path: jsonPath([field]), message: `expected string, got ${describe(v)}` });
    }
  }
  for (const field of OBJECT_FIELDS) {
    const v = row[field];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v))) {
      issues.push({ code: 'EstateWrongType', path: jsonPath([field]), message: `expected object, got ${describe(v)}` });
    }
  }
  const tags = row.tags;
  if (tags !== undefined && tags !== null) {
    if (typeof tags !== 'object' || Array.isArray(tags)) {
      issues.push({ code: 'EstateWrongType', path: '$.tags', message: `expected object, got ${describe(tags)}` });
    } else {
      for (const [k, v] of Object.entries(tags as Record<string, unknown>)) {
        if (typeof v !== 'string') {
          issues.push({ code: 'EstateWrongType', path: jsonPath(['tags', k]), message: `tag values are strings, got ${describe(v)}` });
        }
      }
    }
  }
  const zones = row.zones;
  if (zones !== undefined && zones !== null && !Array.isArray(zones)) {
    issues.push({ code: 'EstateWrongType', path: '$.zones', message: `expected array, got ${describe(zones)}` });
  }
  return { issues, id: parsed };
}

export function asArgRow(value: unknown): ArgRow {
  return value as ArgRow;
}
