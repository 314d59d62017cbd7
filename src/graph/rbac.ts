/**
 * Azure RBAC: permission-pattern matching, what one role grants, and effective permissions of principals on resources.
 *
 * Semantics (research/attack-paths.md §5; Microsoft Learn "Understand Azure role definitions"):
 * - a role grants a control-plane operation when some permission block matches it in `actions` and not in that block's
 *   `notActions`; data-plane operations likewise with `dataActions` / `notDataActions`. The planes never mix: `*` in
 *   `actions` grants no data action (Owner cannot read secrets through the data plane);
 * - `notActions` subtracts within its own block, it is not a deny: another block or another assignment can grant the
 *   operation (RBAC is additive across assignments);
 * - a grant that comes only from blocks carrying an ABAC `condition` is `'conditional'`; an assignment with a
 *   `condition` makes whatever it grants conditional;
 * - patterns are case-insensitive, surrounding whitespace is ignored, `*` matches any run of characters including `/`
 *   (several per pattern allowed), and a slash-star-slash segment also matches a single `/` (Managed Identity
 *   Operator's `userAssignedIdentities/{star}/assign/action` grants `userAssignedIdentities/assign/action`; `{star}`
 *   stands for `*` in these comments).
 *
 * Matching is linear in pattern + operation length: the literal pieces between `*`s are located greedily left to right
 * with Knuth–Morris–Pratt (no backtracking, no regular expressions), which is exact for `*`-only globs.
 */

// ---------------------------------------------------------------------------------------------------------------------
// patterns

function failureTable(s: string): Int32Array {
  const f = new Int32Array(s.length);
  let k = 0;
  for (let i = 1; i < s.length; i++) {
    while (k > 0 && s.charCodeAt(i) !== s.charCodeAt(k)) k = f[k - 1];
    if (s.charCodeAt(i) === s.charCodeAt(k)) k++;
    f[i] = k;
  }
  return f;
}

/** One compiled permission pattern (`Microsoft.Storage/{star}`, `{star}/read`, `Microsoft.CostManagement/{star}/query/{star}`, ...). */
export class ActionPattern {
  /** the pattern as given */
  readonly source: string;
  private readonly exact: string | undefined;
  private readonly segs: string[] = [];
  private readonly fails: Int32Array[] = [];
  /** slashStar[i]: the star after segs[i] sits between two slashes and may also match nothing (sharing the `/`) */
  private readonly slashStar: boolean[] = [];
  /** character comparisons made by the last {@link matches} call (a test hook for the linear-time guarantee) */
  lastSteps = 0;

  constructor(pattern: string) {
    this.source = pattern;
    const p = pattern.trim().toLowerCase();
    if (p.indexOf('*') < 0) {
      this.exact = p;
      return;
    }
    this.segs = p.split('*');
    for (const s of this.segs) this.fails.push(failureTable(s));
    for (let i = 0; i + 1 < this.segs.length; i++) this.slashStar.push(this.segs[i].endsWith('/') && this.segs[i + 1].startsWith('/'));
  }

  /** `operation` must already be lower-case when `lowered` is true. */
  matches(operation: string, lowered = false): boolean {
    const text = lowered ? operation : operation.trim().toLowerCase();
    if (this.exact !== undefined) {
      this.lastSteps = text.length;
      return text === this.exact;
    }
    let steps = 0;
    const segs = this.segs;
    const n = segs.length;
    const first = segs[0];
    const last = segs[n - 1];
    // prefix
    for (let i = 0; i < first.length; i++) {
      steps++;
      if (text.charCodeAt(i) !== first.charCodeAt(i)) {
        this.lastSteps = steps;
        return false;
      }
    }
    let pos = first.length;
    // middle pieces: leftmost occurrence at or after pos (pos - 1 after a `/*/` star: the shared `/`)
    for (let s = 1; s < n - 1; s++) {
      const seg = segs[s];
      const start = this.slashStar[s - 1] ? pos - 1 : pos;
      if (seg.length === 0) continue;
      const fail = this.fails[s];
      let k = 0;
      let found = -1;
      for (let i = start; i < text.length; i++) {
        const c = text.charCodeAt(i);
        steps++;
        while (k > 0 && c !== seg.charCodeAt(k)) {
          k = fail[k - 1];
          steps++;
        }
        if (c === seg.charCodeAt(k)) k++;
        if (k === seg.length) {
          found = i + 1 - seg.length;
          break;
        }
      }
      if (found < 0) {
        this.lastSteps = steps;
        return false;
      }
      pos = found + seg.length;
    }
    // suffix, starting no earlier than pos (pos - 1 after a `/*/` star)
    const minStart = this.slashStar[n - 2] ? pos - 1 : pos;
    const at = text.length - last.length;
    if (at < minStart) {
      this.lastSteps = steps + 1;
      return false;
    }
    for (let i = 0; i < last.length; i++) {
      steps++;
      if (text.charCodeAt(at + i) !== last.charCodeAt(i)) {
        this.lastSteps = steps;
        return false;
      }
    }
    this.lastSteps = steps;
    return true;
  }
}

const patternCache = new Map<string, ActionPattern>();

function pattern(p: string): ActionPattern {
  const key = p.trim().toLowerCase();
  let c = patternCache.get(key);
  if (!c) {
    c = new ActionPattern(p);
    if (patternCache.size > 100_000) patternCache.clear();
    patternCache.set(key, c);
  }
  return c;
}

/**
 * Whether an RBAC permission pattern matches an operation: case-insensitive; `*` matches any characters including
 * `/`; several `*` allowed; a slash-star-slash segment also matches a single `/`. Linear time.
 */
export function actionPatternMatches(pattern_: string, operation: string): boolean {
  return pattern(pattern_).matches(operation);
}

// ---------------------------------------------------------------------------------------------------------------------
// roles

export interface RolePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
  condition?: string | null;
  conditionVersion?: string | null;
}

export interface RoleDefinitionLike {
  /** `/providers/Microsoft.Authorization/roleDefinitions/<guid>` or subscription-qualified */
  id: string;
  /** the GUID */
  name: string;
  roleName: string;
  permissions: RolePermission[];
}

export type Plane = 'control' | 'data';
export type Grant = boolean | 'conditional';

interface Block {
  allow: ActionPattern[];
  deny: ActionPattern[];
  dataAllow: ActionPattern[];
  dataDeny: ActionPattern[];
  conditional: boolean;
}

function patterns(list: unknown): ActionPattern[] {
  if (!Array.isArray(list)) return [];
  const out: ActionPattern[] = [];
  for (const p of list) if (typeof p === 'string' && p.trim() !== '') out.push(pattern(p));
  return out;
}

function anyMatch(list: readonly ActionPattern[], op: string): boolean {
  for (const p of list) if (p.matches(op, true)) return true;
  return false;
}

/** The GUID a role definition id ends with, lower-case (`.../roleDefinitions/<guid>` in either form, or a bare GUID). */
export function roleDefinitionKey(roleDefinitionId: string): string {
  const t = roleDefinitionId.trim();
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 47) end--; // trailing '/'
  return t.slice(t.lastIndexOf('/', end - 1) + 1, end).toLowerCase();
}

/** A role definition with its patterns compiled and its answers memoised per operation and plane. */
export class CompiledRole {
  readonly id: string;
  readonly name: string;
  readonly roleName: string;
  /** {@link roleDefinitionKey} of the role */
  readonly key: string;
  readonly definition: RoleDefinitionLike;
  private readonly blocks: Block[];
  private readonly memo = new Map<string, Grant>();

  constructor(role: RoleDefinitionLike) {
    this.definition = role;
    this.id = role.id;
    this.name = role.name;
    this.roleName = role.roleName;
    this.key = roleDefinitionKey(role.name || role.id);
    this.blocks = (Array.isArray(role.permissions) ? role.permissions : []).map((p) => ({
      allow: patterns(p?.actions),
      deny: patterns(p?.notActions),
      dataAllow: patterns(p?.dataActions),
      dataDeny: patterns(p?.notDataActions),
      conditional: typeof p?.condition === 'string' && p.condition.trim() !== '',
    }));
  }

  /** true: granted; 'conditional': granted only by blocks with an ABAC condition; false: not granted. */
  grants(operation: string, plane: Plane): Grant {
    const op = operation.trim().toLowerCase();
    const key = `${plane === 'data' ? 'd' : 'c'}${op}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    let result: Grant = false;
    for (const b of this.blocks) {
      const granted = plane === 'data' ? anyMatch(b.dataAllow, op) && !anyMatch(b.dataDeny, op) : anyMatch(b.allow, op) && !anyMatch(b.deny, op);
      if (!granted) continue;
      if (!b.conditional) {
        result = true;
        break;
      }
      result = 'conditional';
    }
    if (this.memo.size > 10_000) this.memo.clear();
    this.memo.set(key, result);
    return result;
  }
}

const compiledRoles = new WeakMap<object, CompiledRole>();

/** The compiled form of a role definition (cached by object identity). */
export function compileRole(role: RoleDefinitionLike | CompiledRole): CompiledRole {
  if (role instanceof CompiledRole) return role;
  let c = compiledRoles.get(role);
  if (!c) {
    c = new CompiledRole(role);
    compiledRoles.set(role, c);
  }
  return c;
}

/**
 * Whether a role grants an operation on a plane: control = actions − notActions, data = dataActions − notDataActions,
 * per permission block, union over blocks. `'conditional'` when only blocks with an ABAC condition grant it.
 */
export function roleGrants(role: RoleDefinitionLike | CompiledRole, operation: string, plane: Plane): Grant {
  return compileRole(role).grants(operation, plane);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * A role definition from an `authorizationresources` row (ARM shape, fields under `properties`) or from
 * `az role definition list` / built-in JSON (flattened). Undefined when it has no id/name.
 */
export function roleDefinitionFromRow(row: unknown): RoleDefinitionLike | undefined {
  const r = asRecord(row);
  if (!r) return undefined;
  const props = asRecord(r.properties) ?? r;
  const id = typeof r.id === 'string' ? r.id : undefined;
  const name = typeof r.name === 'string' ? r.name : id !== undefined ? roleDefinitionKey(id) : undefined;
  if (id === undefined && name === undefined) return undefined;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const permissions: RolePermission[] = (Array.isArray(props.permissions) ? props.permissions : []).map((p) => {
    const b = asRecord(p) ?? {};
    const out: RolePermission = { actions: list(b.actions), notActions: list(b.notActions), dataActions: list(b.dataActions), notDataActions: list(b.notDataActions) };
    if (typeof b.condition === 'string') out.condition = b.condition;
    if (typeof b.conditionVersion === 'string') out.conditionVersion = b.conditionVersion;
    return out;
  });
  return { id: id ?? `/providers/Microsoft.Authorization/roleDefinitions/${name}`, name: name ?? roleDefinitionKey(id!), roleName: typeof props.roleName === 'string' ? props.roleName : (name ?? ''), permissions };
}

// ---------------------------------------------------------------------------------------------------------------------
// assignments

export interface RoleAssignmentLike {
  id: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  condition?: string | null;
}

/** A role assignment from an `authorizationresources` row (ARM shape) or a flattened `az role assignment list` item. */
export function roleAssignmentFromRow(row: unknown): RoleAssignmentLike | undefined {
  const r = asRecord(row);
  if (!r || typeof r.id !== 'string') return undefined;
  const props = asRecord(r.properties) ?? r;
  const { scope, roleDefinitionId, principalId } = props;
  if (typeof roleDefinitionId !== 'string' || typeof principalId !== 'string') return undefined;
  const out: RoleAssignmentLike = {
    id: r.id,
    // ARM always writes scope; fall back to the assignment's parent scope
    scope: typeof scope === 'string' ? scope : r.id.slice(0, Math.max(0, r.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/roleassignments/'))) || '/',
    roleDefinitionId,
    principalId,
  };
  if (typeof props.principalType === 'string') out.principalType = props.principalType;
  if (typeof props.condition === 'string' && props.condition.trim() !== '') out.condition = props.condition;
  return out;
}

/**
 * Scope containment by resource-id prefix (case-insensitive, on `/` boundaries): `/` contains everything, a
 * subscription its resource groups and resources, a resource its child resources. Management-group ancestry is not
 * visible in ids: callers with management groups wrap this with their hierarchy (see `PermissionIndex`'s `isWithin`).
 */
export function scopeContains(scope: string, resourceId: string): boolean {
  let s = scope.trim().toLowerCase();
  while (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  if (s === '/' || s === '') return true;
  const r = resourceId.trim().toLowerCase();
  return r === s || (r.startsWith(s) && r.charCodeAt(s.length) === 47);
}

export interface CanResult {
  /** an assignment grants it unconditionally */
  granted: boolean;
  /** assignments granting it unconditionally */
  via: RoleAssignmentLike[];
  /** assignments granting it only under an ABAC condition (of the role block or of the assignment) */
  conditionalVia: RoleAssignmentLike[];
}

export interface PrincipalGrant {
  principalId: string;
  principalType?: string;
  /** true when every granting assignment is conditional */
  conditional: boolean;
  via: RoleAssignmentLike[];
}

/**
 * Role definitions and assignments indexed for effective-permission questions. `isWithin(scope, resourceId)` says
 * whether an assignment scope covers a resource (equal or ancestor: management group, subscription, resource group,
 * parent resource); {@link scopeContains} is the prefix rule for everything but management groups.
 * Ids compare case-insensitively. Assignments whose role definition is unknown are kept in {@link unresolved}.
 */
export class PermissionIndex {
  private readonly roles = new Map<string, CompiledRole>();
  private readonly byPrincipal = new Map<string, RoleAssignmentLike[]>();
  private readonly byScope = new Map<string, RoleAssignmentLike[]>();
  /** assignments whose roleDefinitionId resolves to no known role */
  readonly unresolved: RoleAssignmentLike[] = [];

  constructor(
    roles: Iterable<RoleDefinitionLike | CompiledRole>,
    assignments: Iterable<RoleAssignmentLike>,
    private readonly isWithin: (scope: string, resourceId: string) => boolean = scopeContains,
  ) {
    for (const r of roles) {
      const c = compileRole(r);
      this.roles.set(c.key, c);
      const idKey = roleDefinitionKey(c.id);
      if (idKey !== c.key && !this.roles.has(idKey)) this.roles.set(idKey, c);
    }
    for (const a of assignments) {
      if (!this.roles.has(roleDefinitionKey(a.roleDefinitionId))) this.unresolved.push(a);
      const p = a.principalId.toLowerCase();
      let list = this.byPrincipal.get(p);
      if (!list) this.byPrincipal.set(p, (list = []));
      list.push(a);
      const s = a.scope.toLowerCase();
      let sl = this.byScope.get(s);
      if (!sl) this.byScope.set(s, (sl = []));
      sl.push(a);
    }
  }

  /** The role an assignment's roleDefinitionId names (subscription-qualified or tenant-level id, or a bare GUID). */
  role(roleDefinitionId: string): CompiledRole | undefined {
    return this.roles.get(roleDefinitionKey(roleDefinitionId));
  }

  /** Every assignment of a principal, at any scope. */
  assignmentsOf(principalId: string): readonly RoleAssignmentLike[] {
    return this.byPrincipal.get(principalId.toLowerCase()) ?? [];
  }

  /** Role assignments of a principal effective on a resource (the scope equals it or is an ancestor). */
  assignmentsOn(principalId: string, resourceId: string): RoleAssignmentLike[] {
    return this.assignmentsOf(principalId).filter((a) => this.isWithin(a.scope, resourceId));
  }

  private grantOf(a: RoleAssignmentLike, operation: string, plane: Plane): Grant {
    const role = this.role(a.roleDefinitionId);
    if (!role) return false;
    const g = role.grants(operation, plane);
    if (g === false) return false;
    return typeof a.condition === 'string' && a.condition.trim() !== '' ? 'conditional' : g;
  }

  /** Whether a principal may perform an operation on a resource: additive over its effective assignments. */
  can(principalId: string, resourceId: string, operation: string, plane: Plane): CanResult {
    const via: RoleAssignmentLike[] = [];
    const conditionalVia: RoleAssignmentLike[] = [];
    for (const a of this.assignmentsOf(principalId)) {
      const g = this.grantOf(a, operation, plane);
      if (g === false || !this.isWithin(a.scope, resourceId)) continue;
      (g === true ? via : conditionalVia).push(a);
    }
    return { granted: via.length > 0, via, conditionalVia };
  }

  /**
   * Principals that may perform an operation on a resource (sorted by principal id). Costs one `isWithin` call per
   * distinct assignment scope.
   */
  principalsWith(resourceId: string, operation: string, plane: Plane): PrincipalGrant[] {
    const found = new Map<string, { principalType?: string; via: RoleAssignmentLike[]; conditionalVia: RoleAssignmentLike[] }>();
    for (const [scope, list] of this.byScope) {
      if (!this.isWithin(list[0].scope ?? scope, resourceId)) continue;
      for (const a of list) {
        const g = this.grantOf(a, operation, plane);
        if (g === false) continue;
        const key = a.principalId.toLowerCase();
        let f = found.get(key);
        if (!f) found.set(key, (f = { principalType: a.principalType, via: [], conditionalVia: [] }));
        (g === true ? f.via : f.conditionalVia).push(a);
      }
    }
    return [...found.entries()]
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .map(([, f]) => {
        const principalId = (f.via[0] ?? f.conditionalVia[0]).principalId;
        const out: PrincipalGrant = { principalId, conditional: f.via.length === 0, via: f.via.length > 0 ? f.via : f.conditionalVia };
        if (f.principalType !== undefined) out.principalType = f.principalType;
        return out;
      });
  }
}
