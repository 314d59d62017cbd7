/**
 * The route table: ARM paths (matched case-insensitively on the path with repeated `/` collapsed), the api-versions
 * each accepts, what it does for the role check (read / securityWrite / write), the scope the token must cover, and
 * the handler. Handlers answer the same values the CLI prints (the CLI's list output `{value}` is the ARM page).
 */
import { securityRoutes } from './routes-security.js';
import { policyRoutes } from './routes-policy.js';
import { platformRoutes } from './routes-platform.js';
import { programRoutes } from './routes-program.js';
import { protectionRoutes } from './routes-protection.js';
import type { Route } from './route-kit.js';

export { API_VERSIONS, paged, safeWithin, type Query, type Reply, type Route, type RouteContext } from './route-kit.js';

/** Every route the server answers, by area. */
export function buildRoutes(): Route[] {
  return [...securityRoutes(), ...policyRoutes(), ...programRoutes(), ...protectionRoutes(), ...platformRoutes()];
}
