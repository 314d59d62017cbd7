/**
 * Bearer tokens and role checks of the API server.
 *
 * A token is `pal1.<payload>.<signature>`: the payload `{role, scope, exp, iat}` as base64url JSON, the signature an
 * HMAC-SHA256 of `pal1.<payload>` with the server secret. The secret (32 random bytes) is generated on first use and
 * kept in the store (document `api-secrets/token-hmac`), so every server and `palisade token create` over the same
 * store agree; it is never logged or returned.
 *
 * Roles (Azure's built-in names): Reader and SecurityReader read; SecurityAdmin also writes pricings, policy
 * exemptions and assessments; Contributor and Owner do everything. A token applies to its scope and everything below
 * it: `/` (the tenant root), a management group (its subtree in the estate's management-group tree), a subscription,
 * a resource group or a resource.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PalisadeError, ResourceId, isWithin, type ScopeHierarchy } from '../core/index.js';
import type { Store } from '../store/index.js';

export const ROLES = ['Reader', 'SecurityReader', 'SecurityAdmin', 'Contributor', 'Owner'] as const;
export type Role = (typeof ROLES)[number];

/** What a route does: read, a security write (pricings, exemptions, assessments) or any other write. */
export type Access = 'read' | 'securityWrite' | 'write';

const ALLOWED: Record<Access, ReadonlySet<Role>> = {
  read: new Set(ROLES),
  securityWrite: new Set<Role>(['SecurityAdmin', 'Contributor', 'Owner']),
  write: new Set<Role>(['Contributor', 'Owner']),
};

export interface TokenClaims {
  role: Role;
  /** `/` or a scope id, canonical case as given. */
  scope: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  iat: number;
}

export interface CreateTokenOptions {
  role: string;
  scope: string;
  /** `30m`, `1h`, `7d`, or seconds (default 1h). */
  expiresIn?: string | number;
}

const SECRET_COLLECTION = 'api-secrets';
const SECRET_KEY = 'token-hmac';
const PREFIX = 'pal1';

/** The server secret from the store, created on first use. */
export async function tokenSecret(store: Store): Promise<Buffer> {
  const doc = await store.getDocument<{ secret: string }>(SECRET_COLLECTION, SECRET_KEY);
  if (doc && typeof doc.secret === 'string' && doc.secret.length >= 32) return Buffer.from(doc.secret, 'base64url');
  const secret = randomBytes(32);
  await store.putDocument(SECRET_COLLECTION, SECRET_KEY, { secret: secret.toString('base64url'), createdAt: new Date().toISOString() });
  // two servers racing: read back what won
  const back = await store.getDocument<{ secret: string }>(SECRET_COLLECTION, SECRET_KEY);
  return back ? Buffer.from(back.secret, 'base64url') : secret;
}

export function parseRole(role: string): Role {
  const hit = ROLES.find((r) => r.toLowerCase() === role.replace(/\s+/g, '').toLowerCase());
  if (!hit) throw new PalisadeError('InvalidRole', `'${role}' is not a role. Valid values: ${ROLES.join(', ')}.`, { kind: 'argument', target: 'role' });
  return hit;
}

/** A scope as tokens carry it: `/` or a parsed scope id (canonical spelling, no trailing slash). */
export function parseScope(scope: string): string {
  const s = scope.trim();
  if (s === '' || s === '/') return '/';
  const parsed = ResourceId.tryParse(s.replace(/\/+$/, ''));
  if (typeof parsed === 'string') throw new PalisadeError('InvalidScope', `'${scope}' is not a scope: ${parsed}. Use /, /providers/Microsoft.Management/managementGroups/NAME or /subscriptions/ID.`, { kind: 'argument', target: 'scope' });
  return parsed.kind === 'tenant' ? '/' : parsed.id;
}

/** `30s`, `30m`, `1h`, `7d`, or a number of seconds. */
export function parseDuration(value: string | number | undefined, fallbackSeconds = 3600): number {
  if (value === undefined) return fallbackSeconds;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new PalisadeError('InvalidArgumentValue', `expiry must be positive ('${value}' given)`, { kind: 'argument', target: 'expires' });
    return Math.floor(value);
  }
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(value);
  if (!m || Number(m[1]) <= 0) throw new PalisadeError('InvalidArgumentValue', `'${value}' is not a duration: use 30m, 1h, 7d or seconds`, { kind: 'argument', target: 'expires' });
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2].toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function sign(secret: Buffer, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

export function signToken(secret: Buffer, options: CreateTokenOptions, now = Date.now()): { token: string; claims: TokenClaims } {
  const iat = Math.floor(now / 1000);
  const claims: TokenClaims = { role: parseRole(options.role), scope: parseScope(options.scope), exp: iat + parseDuration(options.expiresIn), iat };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const data = `${PREFIX}.${payload}`;
  return { token: `${data}.${sign(secret, data)}`, claims };
}

/** The claims of a valid, unexpired token; undefined otherwise. */
export function verifyToken(secret: Buffer, token: string, now = Date.now()): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return undefined;
  const expected = Buffer.from(sign(secret, `${parts[0]}.${parts[1]}`));
  const given = Buffer.from(parts[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined;
  }
  if (!ROLES.includes(claims.role) || typeof claims.scope !== 'string' || typeof claims.exp !== 'number') return undefined;
  if (claims.exp * 1000 <= now) return undefined;
  return claims;
}

/** Creates a token over a store (what `palisade token create` runs). */
export async function createApiToken(store: Store, options: CreateTokenOptions): Promise<{ accessToken: string; expiresOn: string; role: Role; scope: string }> {
  const { token, claims } = signToken(await tokenSecret(store), options);
  return { accessToken: token, expiresOn: new Date(claims.exp * 1000).toISOString(), role: claims.role, scope: claims.scope };
}

export function roleAllows(role: Role, access: Access): boolean {
  return ALLOWED[access].has(role);
}

/** Whether a token scope covers a request scope (`/` = the tenant root; `undefined` = tenant-wide catalog data). */
export function scopeCovers(tokenScope: string, requestScope: string | undefined, hierarchy: ScopeHierarchy): boolean {
  if (tokenScope === '/') return true;
  if (requestScope === undefined) return true; // tenant-wide catalog reads (metadata, built-in definitions)
  if (requestScope === '/') return false;
  try {
    return isWithin(tokenScope, requestScope, hierarchy);
  } catch {
    return false;
  }
}
