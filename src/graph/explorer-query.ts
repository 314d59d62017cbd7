/**
 * Cloud security explorer queries: the JSON shape and its validation. A query names an entity type (or group),
 * conditions on it, and connections to other entity types with conditions and connections of their own; the result
 * is every root entity for which the whole pattern holds.
 *
 * `validateQuery` never trusts its input: any JSON value (or JSON text) goes in, and either a normalised copy comes
 * out (canonical spellings, defaults filled, unknown keys refused, `__proto__` keys ignored) or a coded
 * `PalisadeError` with the JSON path of the first problem:
 *
 *   ExplorerQueryInvalid     wrong type, missing or unknown field, bad value
 *   ExplorerUnknownEntity    entity type or group not known
 *   ExplorerUnknownEdge      connection kind not known
 *   ExplorerUnknownInsight   insight id not in the vocabulary (explorer-vocabulary.ts)
 *   ExplorerTooDeep          connections (or not/anyOf conditions) nested deeper than 6
 */
import { PalisadeError, jsonPath, safeJsonParse } from '../core/index.js';
import { loadCapabilities } from './capabilities.js';
import type { EdgeKind } from './model.js';
import type { AccessLevel } from './access.js';
import {
  ACCESS_LEVELS,
  EXPLORER_LIMITS,
  PROPERTY_OPS,
  canonicalEdge,
  canonicalEntity,
  canonicalInsight,
  canonicalSeverity,
  type PropertyOp,
  type Severity,
} from './explorer-vocabulary.js';

export type { PropertyOp, Severity } from './explorer-vocabulary.js';

export type Scalar = string | number | boolean | null;

export interface ExplorerQuery {
  /** Entity type or group (`AzureVM`, `DataStore`, `Identity`, ...). */
  entity: string;
  /** All must hold. */
  conditions?: Condition[];
  /** All must hold; each needs at least one neighbour that matches it. */
  connections?: Connection[];
  /** Results returned (default 100, at most 10000); `count` is the number before the limit. */
  limit?: number;
}

/**
 * The node has the insight. `where` compares fields of the insight's value (dotted paths, arrays match any element,
 * `value` is the value itself, a list of values means any of them), case-insensitively. For `exposedToInternet`,
 * `port` (a number or list) with optional `width` / `protocol` match one exposed port entry as a whole: an entry
 * that opens the port, with that width and protocol.
 */
export interface InsightCondition {
  insight: string;
  where?: Record<string, Scalar | Scalar[]>;
}

/**
 * A property of the node: `name`, `id`, `type`, `subscriptionId`, `resourceGroup`, `resourceType`, `tags.<tag>`, or a
 * dotted path into its ARM `properties` (`properties.` prefix optional, keys case-insensitive, arrays match any
 * element). Strings compare case-insensitively; `greater` / `less` compare numbers numerically and strings
 * lexically (ISO dates order correctly); `exists` (value true by default) asks for a non-null value.
 */
export interface PropertyCondition {
  property: string;
  op: PropertyOp;
  value?: unknown;
}

/** A recommendation (assessment key or display name) in the given state (default Unhealthy) on the node. */
export interface RecommendationCondition {
  recommendation: string;
  state?: 'Unhealthy' | 'Healthy';
}

/** A `hasVulnerability` edge to a vulnerability with this id, one of these severities, and RCE flag; `{}` = any. */
export interface VulnerabilityCondition {
  vulnerability: { id?: string; severity?: Severity[]; remoteCodeExecution?: boolean };
}

export interface NotCondition {
  not: Condition;
}

export interface AnyOfCondition {
  anyOf: Condition[];
}

export type Condition = InsightCondition | PropertyCondition | RecommendationCondition | VulnerabilityCondition | NotCondition | AnyOfCondition;

export interface Connection {
  /** contains, routesTrafficTo, canAuthenticateAs, hasPermissionTo, memberOf, hasVulnerability, hasSecret, ... */
  edge: EdgeKind;
  /** `out` (default): from this node to the neighbour; `in`: from the neighbour to this node. */
  direction?: 'out' | 'in';
  /**
   * Only for `hasPermissionTo`: effective access of the principal (or one of its groups) to the resource through
   * roles held at the resource or any scope above it (access.ts), at least this level.
   */
  access?: AccessLevel;
  /**
   * Only for `hasPermissionTo`: the effective capabilities (capabilities.json names, e.g. `rbac.write`) must include
   * all of these. With `access` both hold; alone, any resource of the entity type under a scope that grants them.
   */
  capabilities?: string[];
  entity: string;
  conditions?: Condition[];
  connections?: Connection[];
}

const CONDITION_KINDS = ['insight', 'property', 'recommendation', 'vulnerability', 'not', 'anyOf'] as const;
type Segment = string | number;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Walks the input once; every failure names the JSON path (after `base`, for a query inside a larger file). */
class Validator {
  private connections = 0;
  private conditions = 0;

  constructor(
    private readonly file: string | undefined,
    private readonly base: Segment[],
    private readonly label: string | undefined,
  ) {}

  fail(code: string, at: Segment[], message: string): never {
    const path = jsonPath([...this.base, ...at]);
    const prefix = `${this.file !== undefined ? `${this.file}: ` : ''}${this.label !== undefined ? `${this.label}: ` : ''}${path}: `;
    throw new PalisadeError(code, `${prefix}${message}`, { kind: 'validation', location: { file: this.file, path } });
  }

  /** Own keys minus `__proto__`; refuses keys outside `allowed`. */
  keys(obj: Record<string, unknown>, at: Segment[], allowed: ReadonlyArray<string>): string[] {
    const keys = Object.keys(obj).filter((k) => k !== '__proto__');
    for (const k of keys) {
      if (!allowed.includes(k)) this.fail('ExplorerQueryInvalid', [...at, k], `unknown field '${k}' (expected ${allowed.map((a) => `'${a}'`).join(', ')})`);
    }
    return keys;
  }

  object(v: unknown, at: Segment[], what: string): Record<string, unknown> {
    if (!isRecord(v)) this.fail('ExplorerQueryInvalid', at, `${what} must be an object, not ${describe(v)}`);
    return v;
  }

  string(v: unknown, at: Segment[], what: string): string {
    if (typeof v !== 'string' || v.trim() === '') this.fail('ExplorerQueryInvalid', at, `${what} must be a non-empty string, not ${describe(v)}`);
    return v.trim();
  }

  array(v: unknown, at: Segment[], what: string): unknown[] {
    if (!Array.isArray(v)) this.fail('ExplorerQueryInvalid', at, `${what} must be an array, not ${describe(v)}`);
    return v;
  }

  entity(v: unknown, at: Segment[]): string {
    const name = this.string(v, at, 'entity');
    const canonical = canonicalEntity(name);
    if (canonical === undefined) this.fail('ExplorerUnknownEntity', at, `unknown entity type or group '${name}'`);
    return canonical;
  }

  query(v: unknown): ExplorerQuery {
    const obj = this.object(v, [], 'a query');
    this.keys(obj, [], ['entity', 'conditions', 'connections', 'limit']);
    if (!Object.hasOwn(obj, 'entity')) this.fail('ExplorerQueryInvalid', [], "a query needs 'entity'");
    const out: ExplorerQuery = { entity: this.entity(obj.entity, ['entity']) };
    if (obj.conditions !== undefined) out.conditions = this.conditionList(obj.conditions, ['conditions'], 0);
    if (obj.connections !== undefined) out.connections = this.connectionList(obj.connections, ['connections'], 1);
    if (obj.limit !== undefined) {
      const limit = obj.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > EXPLORER_LIMITS.maxLimit) {
        this.fail('ExplorerQueryInvalid', ['limit'], `limit must be an integer from 1 to ${EXPLORER_LIMITS.maxLimit}, not ${describe(limit)}`);
      }
      out.limit = limit;
    }
    return out;
  }

  conditionList(v: unknown, at: Segment[], depth: number): Condition[] {
    return this.array(v, at, 'conditions').map((c, i) => this.condition(c, [...at, i], depth));
  }

  connectionList(v: unknown, at: Segment[], depth: number): Connection[] {
    return this.array(v, at, 'connections').map((c, i) => this.connection(c, [...at, i], depth));
  }

  connection(v: unknown, at: Segment[], depth: number): Connection {
    if (depth > EXPLORER_LIMITS.maxDepth) this.fail('ExplorerTooDeep', at, `connections are nested more than ${EXPLORER_LIMITS.maxDepth} deep`);
    if (++this.connections > EXPLORER_LIMITS.maxConnections) this.fail('ExplorerQueryInvalid', at, `a query may have at most ${EXPLORER_LIMITS.maxConnections} connections`);
    const obj = this.object(v, at, 'a connection');
    this.keys(obj, at, ['edge', 'direction', 'access', 'capabilities', 'entity', 'conditions', 'connections']);
    if (!Object.hasOwn(obj, 'edge')) this.fail('ExplorerQueryInvalid', at, "a connection needs 'edge'");
    const edgeName = this.string(obj.edge, [...at, 'edge'], 'edge');
    const edge = canonicalEdge(edgeName);
    if (edge === undefined) this.fail('ExplorerUnknownEdge', [...at, 'edge'], `unknown connection '${edgeName}'`);
    if (!Object.hasOwn(obj, 'entity')) this.fail('ExplorerQueryInvalid', at, "a connection needs 'entity'");
    const out: Connection = { edge, entity: this.entity(obj.entity, [...at, 'entity']) };
    if (obj.direction !== undefined) {
      if (obj.direction !== 'out' && obj.direction !== 'in') this.fail('ExplorerQueryInvalid', [...at, 'direction'], `direction must be 'out' or 'in', not ${describe(obj.direction)}`);
      out.direction = obj.direction;
    }
    if (obj.access !== undefined) {
      if (edge !== 'hasPermissionTo') this.fail('ExplorerQueryInvalid', [...at, 'access'], `access applies only to hasPermissionTo, not ${edge}`);
      if (!ACCESS_LEVELS.includes(obj.access as AccessLevel)) this.fail('ExplorerQueryInvalid', [...at, 'access'], `access must be 'read', 'write' or 'high', not ${describe(obj.access)}`);
      out.access = obj.access as AccessLevel;
    }
    if (obj.capabilities !== undefined) {
      if (edge !== 'hasPermissionTo') this.fail('ExplorerQueryInvalid', [...at, 'capabilities'], `capabilities apply only to hasPermissionTo, not ${edge}`);
      const known = new Set(loadCapabilities().map((c) => c.name));
      const list = this.array(obj.capabilities, [...at, 'capabilities'], 'capabilities');
      if (list.length === 0) this.fail('ExplorerQueryInvalid', [...at, 'capabilities'], 'capabilities must not be empty');
      out.capabilities = list.map((c, i) => {
        const name = this.string(c, [...at, 'capabilities', i], 'a capability');
        if (!known.has(name)) this.fail('ExplorerQueryInvalid', [...at, 'capabilities', i], `unknown capability '${name}' (see catalog/graph/capabilities.json)`);
        return name;
      });
    }
    if (obj.conditions !== undefined) out.conditions = this.conditionList(obj.conditions, [...at, 'conditions'], 0);
    if (obj.connections !== undefined) out.connections = this.connectionList(obj.connections, [...at, 'connections'], depth + 1);
    return out;
  }

  condition(v: unknown, at: Segment[], depth: number): Condition {
    if (depth > EXPLORER_LIMITS.maxDepth) this.fail('ExplorerTooDeep', at, `conditions are nested more than ${EXPLORER_LIMITS.maxDepth} deep`);
    if (++this.conditions > EXPLORER_LIMITS.maxConditions) this.fail('ExplorerQueryInvalid', at, `a query may have at most ${EXPLORER_LIMITS.maxConditions} conditions`);
    const obj = this.object(v, at, 'a condition');
    const kinds = CONDITION_KINDS.filter((k) => Object.hasOwn(obj, k));
    if (kinds.length !== 1) {
      this.fail('ExplorerQueryInvalid', at, kinds.length === 0 ? `a condition needs one of ${CONDITION_KINDS.map((k) => `'${k}'`).join(', ')}` : `a condition has exactly one of ${kinds.map((k) => `'${k}'`).join(', ')}`);
    }
    switch (kinds[0]) {
      case 'insight':
        return this.insight(obj, at);
      case 'property':
        return this.property(obj, at);
      case 'recommendation': {
        this.keys(obj, at, ['recommendation', 'state']);
        const out: RecommendationCondition = { recommendation: this.string(obj.recommendation, [...at, 'recommendation'], 'recommendation') };
        if (obj.state !== undefined) {
          const s = typeof obj.state === 'string' ? obj.state.toLowerCase() : undefined;
          if (s !== 'unhealthy' && s !== 'healthy') this.fail('ExplorerQueryInvalid', [...at, 'state'], `state must be 'Unhealthy' or 'Healthy', not ${describe(obj.state)}`);
          out.state = s === 'healthy' ? 'Healthy' : 'Unhealthy';
        }
        return out;
      }
      case 'vulnerability':
        return this.vulnerability(obj, at);
      case 'not':
        this.keys(obj, at, ['not']);
        return { not: this.condition(obj.not, [...at, 'not'], depth + 1) };
      case 'anyOf': {
        this.keys(obj, at, ['anyOf']);
        const list = this.array(obj.anyOf, [...at, 'anyOf'], 'anyOf');
        if (list.length === 0) this.fail('ExplorerQueryInvalid', [...at, 'anyOf'], 'anyOf must not be empty');
        return { anyOf: list.map((c, i) => this.condition(c, [...at, 'anyOf', i], depth + 1)) };
      }
    }
  }

  insight(obj: Record<string, unknown>, at: Segment[]): InsightCondition {
    this.keys(obj, at, ['insight', 'where']);
    const name = this.string(obj.insight, [...at, 'insight'], 'insight');
    const insight = canonicalInsight(name);
    if (insight === undefined) this.fail('ExplorerUnknownInsight', [...at, 'insight'], `unknown insight '${name}'`);
    const out: InsightCondition = { insight };
    if (obj.where !== undefined) {
      const where = this.object(obj.where, [...at, 'where'], 'where');
      const clean: Record<string, Scalar | Scalar[]> = {};
      for (const k of Object.keys(where)) {
        if (k === '__proto__') continue;
        const path = [...at, 'where', k];
        if (k.trim() === '' || k.split('.').some((s) => s === '')) this.fail('ExplorerQueryInvalid', path, `'${k}' is not a field path`);
        const value = where[k];
        if (Array.isArray(value)) {
          value.forEach((x, i) => {
            if (!isScalar(x)) this.fail('ExplorerQueryInvalid', [...path, i], `a value must be a string, number, boolean or null, not ${describe(x)}`);
          });
          clean[k] = value as Scalar[];
        } else if (isScalar(value)) clean[k] = value;
        else this.fail('ExplorerQueryInvalid', path, `a value must be a string, number, boolean, null or a list of them, not ${describe(value)}`);
        if ((k === 'port' || k === 'ports') && insight === 'exposedToInternet') {
          for (const p of Array.isArray(value) ? value : [value]) {
            if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) this.fail('ExplorerQueryInvalid', path, `ports must be integers from 0 to 65535, not ${describe(p)}`);
          }
        }
      }
      out.where = clean;
    }
    return out;
  }

  property(obj: Record<string, unknown>, at: Segment[]): PropertyCondition {
    this.keys(obj, at, ['property', 'op', 'value']);
    const property = this.string(obj.property, [...at, 'property'], 'property');
    const segments = property.split('.');
    if (segments.some((s) => s.trim() === '')) this.fail('ExplorerQueryInvalid', [...at, 'property'], `'${property}' is not a property path`);
    if (segments.length > EXPLORER_LIMITS.maxPathSegments) this.fail('ExplorerQueryInvalid', [...at, 'property'], `a property path has at most ${EXPLORER_LIMITS.maxPathSegments} segments`);
    if (!PROPERTY_OPS.includes(obj.op as PropertyOp)) {
      this.fail('ExplorerQueryInvalid', [...at, 'op'], `op must be one of ${PROPERTY_OPS.map((o) => `'${o}'`).join(', ')}, not ${describe(obj.op)}`);
    }
    const op = obj.op as PropertyOp;
    const out: PropertyCondition = { property, op };
    const value = obj.value;
    const vat = [...at, 'value'];
    switch (op) {
      case 'exists':
        if (value !== undefined && typeof value !== 'boolean') this.fail('ExplorerQueryInvalid', vat, `exists takes true or false (or nothing), not ${describe(value)}`);
        if (value !== undefined) out.value = value;
        break;
      case 'in': {
        const list = this.array(value, vat, "the value of 'in'");
        list.forEach((x, i) => {
          if (!isScalar(x)) this.fail('ExplorerQueryInvalid', [...vat, i], `a value must be a string, number, boolean or null, not ${describe(x)}`);
        });
        out.value = [...list];
        break;
      }
      case 'greater':
      case 'less':
        if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) this.fail('ExplorerQueryInvalid', vat, `${op} takes a number or a string, not ${describe(value)}`);
        out.value = value;
        break;
      default:
        if (value === undefined) this.fail('ExplorerQueryInvalid', at, `${op} needs a 'value'`);
        if (!isScalar(value)) this.fail('ExplorerQueryInvalid', vat, `${op} takes a string, number, boolean or null, not ${describe(value)}`);
        out.value = value;
    }
    return out;
  }

  vulnerability(obj: Record<string, unknown>, at: Segment[]): VulnerabilityCondition {
    this.keys(obj, at, ['vulnerability']);
    const vat = [...at, 'vulnerability'];
    const v = this.object(obj.vulnerability, vat, 'vulnerability');
    this.keys(v, vat, ['id', 'severity', 'remoteCodeExecution']);
    const out: VulnerabilityCondition['vulnerability'] = {};
    if (v.id !== undefined) out.id = this.string(v.id, [...vat, 'id'], 'id');
    if (v.severity !== undefined) {
      const list = typeof v.severity === 'string' ? [v.severity] : this.array(v.severity, [...vat, 'severity'], 'severity');
      if (list.length === 0) this.fail('ExplorerQueryInvalid', [...vat, 'severity'], 'severity must not be empty');
      out.severity = list.map((s, i) => {
        const sev = typeof s === 'string' ? canonicalSeverity(s) : undefined;
        if (sev === undefined) this.fail('ExplorerQueryInvalid', [...vat, 'severity', i], `severity must be Critical, High, Medium, Low or Unknown, not ${describe(s)}`);
        return sev;
      });
    }
    if (v.remoteCodeExecution !== undefined) {
      if (typeof v.remoteCodeExecution !== 'boolean') this.fail('ExplorerQueryInvalid', [...vat, 'remoteCodeExecution'], `remoteCodeExecution must be true or false, not ${describe(v.remoteCodeExecution)}`);
      out.remoteCodeExecution = v.remoteCodeExecution;
    }
    return { vulnerability: out };
  }
}

/**
 * Checks an explorer query (a parsed JSON value, or JSON text) and returns a normalised copy. `file` goes into the
 * error location and message.
 */
export function validateQuery(json: unknown, file?: string): ExplorerQuery {
  return validateQueryAt(json, { file });
}

/** `validateQuery` for a query inside a larger document: paths start at `base`, messages start with `label`. */
export function validateQueryAt(json: unknown, where: { file?: string; base?: Segment[]; label?: string } = {}): ExplorerQuery {
  const v = new Validator(where.file, where.base ?? [], where.label);
  let value = json;
  if (typeof json === 'string') {
    try {
      value = safeJsonParse(json);
    } catch (error) {
      v.fail('ExplorerQueryInvalid', [], `not JSON: ${(error as Error).message}`);
    }
  }
  return v.query(value);
}
