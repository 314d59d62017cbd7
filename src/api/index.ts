/**
 * The ARM-compatible API server (`palisade serve`): Microsoft.Security (pricings, secure scores, controls,
 * assessments, assessment metadata, regulatory compliance, attack paths), Microsoft.Authorization policy objects,
 * Microsoft.PolicyInsights summaries and remediations, subscriptions and resources, the cloud metadata document that
 * `az cloud register` needs, and Palisade's dashboard extensions under `/palisade/v1/`. See docs/api.md.
 *
 *   const server = await startServer({ store: '.palisade/palisade.db', port: 0, auth: 'token' });
 *   const token = server.createToken({ role: 'Reader', scope: '/subscriptions/…', expiresIn: '1h' });
 *   await fetch(`${server.url}/subscriptions/…/providers/Microsoft.Security/secureScores?api-version=2020-01-01`, { headers: { authorization: `Bearer ${token}` } });
 *   await server.close();
 *
 * One Fastify catch-all route does the routing (routes.ts): paths are matched case-insensitively after collapsing
 * repeated `/` (clients send `//subscriptions/...` when a scope starts with `/`), query keys are percent-decoded.
 */
import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { PalisadeError } from '../core/index.js';
import { roleAllows, scopeCovers, signToken, tokenSecret, verifyToken, type CreateTokenOptions, type TokenClaims } from './auth.js';
import { ApiError, toArmError } from './errors.js';
import { ServerEstate } from './estate.js';
import { buildRoutes, type Query, type Route, type RouteContext } from './routes.js';
import { TextBody } from './route-kit.js';
import { ExportDeliverer } from '../program/index.js';
import { selfSignedCertificate, type TlsMaterial } from './tls.js';

export { ROLES, createApiToken, parseDuration, parseRole, parseScope, verifyToken, type Role, type TokenClaims, type CreateTokenOptions } from './auth.js';
export { API_VERSIONS, buildRoutes } from './routes.js';
export { selfSignedCertificate } from './tls.js';

export interface ServerLogger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export interface ServerOptions {
  /** SQLite path or postgres:// URL. */
  store: string;
  host?: string;
  /** 0 = a random free port. Default 8443. */
  port?: number;
  /** PEM contents, or 'self-signed' (generated with openssl). */
  tls?: { cert: string | Buffer; key: string | Buffer } | 'self-signed';
  auth: 'token' | 'none';
  /** A directory of static files (the dashboard), served at `/` with index.html for unknown non-API paths. */
  webRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** Request body limit in bytes (default 1 MiB → 413). */
  bodyLimit?: number;
  /** Maximum JSON nesting depth of a request body (default 32 → 400). */
  maxJsonDepth?: number;
  /** Requests per token (per client address without auth) per window (default 1200 per 60 s → 429). */
  rateLimit?: { max: number; windowMs: number };
  /** Run the continuous-export deliverer in the background (default true). */
  deliverExports?: boolean;
  logger?: ServerLogger;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  createToken(opts: CreateTokenOptions): string;
  /** The certificate (PEM) when serving TLS: trust it in clients (NODE_EXTRA_CA_CERTS) for the self-signed case. */
  certificate?: string;
}

const API_PREFIXES = ['/subscriptions', '/providers', '/palisade/', '/metadata/'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Max nesting depth of a JSON text (brackets outside strings), without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) max = depth;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

function makeQuery(qs: string): Query {
  const list: Array<[string, string]> = [];
  for (const [k, v] of new URLSearchParams(qs)) list.push([k, v]);
  return {
    get: (name) => list.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1],
    entries: () => list,
  };
}

const defaultLogger: ServerLogger = {
  info: () => undefined,
  warning: (m) => process.stderr.write(`WARNING: ${m}\n`),
  error: (m) => process.stderr.write(`ERROR: ${m}\n`),
};

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8443;
  const env = options.env ?? process.env;
  const log = options.logger ?? defaultLogger;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const maxDepth = options.maxJsonDepth ?? 32;
  const rate = options.rateLimit ?? { max: 1200, windowMs: 60_000 };
  if (options.auth !== 'token' && options.auth !== 'none') throw new PalisadeError('InvalidArgumentValue', `auth must be 'token' or 'none' ('${String(options.auth)}' given)`, { kind: 'argument', target: 'auth' });
  if (options.auth === 'none') {
    if (!isLoopback(host)) {
      throw new PalisadeError('InsecureAuthNone', `--auth none is only allowed on a loopback host (127.0.0.1, ::1, localhost); '${host}' would expose the estate without authentication. Use --auth token.`, { kind: 'argument', target: 'auth' });
    }
    log.warning(`authentication is off (--auth none): anyone who can reach ${host} acts as Owner of the whole estate`);
  }
  let tls: TlsMaterial | undefined;
  if (options.tls === 'self-signed') tls = selfSignedCertificate([host]);
  else if (options.tls) tls = { cert: options.tls.cert.toString(), key: options.tls.key.toString() };

  const estate = await ServerEstate.open(options.store, env, { info: (m) => log.info(m), warning: (m) => log.warning(m) });
  let secret: Buffer;
  try {
    secret = await tokenSecret(estate.store);
  } catch (err) {
    await estate.store.close();
    throw err;
  }
  const routes = buildRoutes();
  const buckets = new Map<string, { start: number; count: number }>();
  const noneClaims: TokenClaims = { role: 'Owner', scope: '/', exp: 4102444800, iat: 0 };

  const app = Fastify({
    logger: false,
    bodyLimit,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    routerOptions: { caseSensitive: false, maxParamLength: 2000, ignoreDuplicateSlashes: true },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^(application\/([\w.+-]*\+)?json|text\/json)(\s*;.*)?$/i, { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepth(text) > maxDepth) return done(new ApiError(400, 'InvalidRequestContent', `The request content is nested deeper than ${maxDepth} levels.`), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: ${(err as Error).message}`), undefined);
    }
  });

  app.addContentTypeParser(/^(text\/plain|application\/x-ndjson|application\/jsonl)(\s*;.*)?$/i, { parseAs: 'string' }, (_req, body, done) => done(null, new TextBody(String(body))));

  app.setErrorHandler((err, _req, reply) => {
    const e = toArmError(err, (x) => log.error(`internal error: ${(x as Error)?.stack ?? String(x)}`));
    void reply.code(e.status).headers(e.headers).type('application/json; charset=utf-8').send(e.body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/json; charset=utf-8').send({ error: { code: 'NotFound', message: `No route for ${req.method} ${req.url.split('?')[0]}.` } });
  });

  const webRoot = options.webRoot ? resolve(options.webRoot) : undefined;
  if (webRoot) await app.register(fastifyStatic, { root: webRoot, serve: false });

  async function handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = req.raw.url ?? '/';
    const qAt = raw.indexOf('?');
    let path: string;
    try {
      path = decodeURIComponent(qAt < 0 ? raw : raw.slice(0, qAt));
    } catch {
      throw new ApiError(400, 'InvalidUri', 'The request path is not valid percent-encoded text.');
    }
    path = path.replace(/\/{2,}/g, '/');
    if (path.length > 1) path = path.replace(/\/+$/, '');
    const query = makeQuery(qAt < 0 ? '' : raw.slice(qAt + 1));
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let params: Record<string, string> | undefined;
    let route: Route | undefined;
    let pathMatched = false;
    for (const candidate of routes) {
      const m = candidate.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (candidate.method !== method) continue;
      route = candidate;
      params = { ...(m.groups ?? {}) };
      break;
    }
    if (!route || !params) {
      const lower = path.toLowerCase();
      if (webRoot && method === 'GET' && !API_PREFIXES.some((p) => lower === p.replace(/\/$/, '') || lower.startsWith(p.endsWith('/') ? p : `${p}/`))) {
        const file = resolve(webRoot, `.${path}`);
        let target = 'index.html';
        if (file.startsWith(webRoot + sep)) {
          try {
            if (statSync(file).isFile()) target = file.slice(webRoot.length + 1);
          } catch {
            /* fall back to index.html */
          }
        }
        return reply.sendFile(target.split(sep).join('/'));
      }
      if (pathMatched) throw new ApiError(405, 'MethodNotAllowed', `The method ${req.method} is not allowed on ${path}.`);
      throw new ApiError(404, 'NotFound', `No route for ${req.method} ${path}. See docs/api.md for the routes Palisade serves.`);
    }

    // authentication
    let claims: TokenClaims = noneClaims;
    let bucketKey = `ip:${req.ip}`;
    if (!route.anonymous && options.auth === 'token') {
      const header = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const verified = m ? verifyToken(secret, m[1]) : undefined;
      if (!verified) {
        throw new ApiError(401, 'AuthenticationFailed', m ? 'The access token is invalid or expired.' : "Authentication failed. The 'Authorization' header is missing.", {
          'www-authenticate': `Bearer realm="palisade"${m ? ', error="invalid_token"' : ''}`,
        });
      }
      claims = verified;
      bucketKey = `t:${m![1].slice(-43)}`;
    }
    // rate limit
    const now = Date.now();
    const bucket = buckets.get(bucketKey);
    if (!bucket || now - bucket.start >= rate.windowMs) {
      buckets.set(bucketKey, { start: now, count: 1 });
      if (buckets.size > 10_000) for (const [k, b] of buckets) if (now - b.start >= rate.windowMs) buckets.delete(k);
    } else if (++bucket.count > rate.max) {
      const retry = Math.max(1, Math.ceil((bucket.start + rate.windowMs - now) / 1000));
      throw new ApiError(429, 'TooManyRequests', `Rate limit of ${rate.max} requests per ${Math.round(rate.windowMs / 1000)} s exceeded; retry after ${retry} s.`, { 'retry-after': String(retry) });
    }
    // api-version
    if (Array.isArray(route.versions)) {
      const v = query.get('api-version');
      if (!v) throw new ApiError(400, 'MissingApiVersionParameter', `The api-version query parameter (?api-version=) is required for all requests. Supported: ${route.versions.join(', ')}.`);
      if (!route.versions.includes(v)) {
        throw new ApiError(400, 'InvalidApiVersionParameter', `The api-version '${v}' is invalid. The supported versions for ${route.template} are '${route.versions.join(', ')}'.`);
      }
    }
    // authorisation
    const topo = await estate.topo();
    const scope = route.scope(params);
    if (!route.anonymous) {
      if (!scopeCovers(claims.scope, scope, topo.tree)) {
        throw new ApiError(403, 'AuthorizationFailed', `The token (role '${claims.role}', scope '${claims.scope}') does not have authorization to perform ${route.method} over scope '${scope}'.`);
      }
      if (!roleAllows(claims.role, route.access)) {
        throw new ApiError(403, 'AuthorizationFailed', `The role '${claims.role}' does not have authorization to perform ${route.method} ${route.template} (needs ${route.access === 'write' ? 'Contributor or Owner' : 'SecurityAdmin, Contributor or Owner'}).`);
      }
    }
    const host = req.headers.host ?? new URL(url).host;
    const ctx: RouteContext = {
      params,
      query,
      body: req.body,
      estate,
      claims,
      baseUrl: `${tls ? 'https' : 'http'}://${host}`,
      path,
      topo,
      covers: (s) => scopeCovers(claims.scope, s, topo.tree),
    };
    const out = await route.handler(ctx);
    void reply.code(out.status);
    if (out.headers) void reply.headers(out.headers);
    if (out.body === undefined) return reply.send();
    // a handler that sets its own content type (the review's HTML) sends its text as it is
    if (typeof out.body === 'string' && out.headers?.['content-type']) return reply.send(out.body);
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(out.body));
  }

  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'], url: '/*', handler: handle });
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'], url: '/', handler: handle });

  let url = '';
  try {
    await app.listen({ host, port });
  } catch (err) {
    await estate.close();
    throw new PalisadeError('ListenFailed', `could not listen on ${host}:${port}: ${(err as Error).message}`, { kind: 'io', cause: err });
  }
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  url = `${tls ? 'https' : 'http'}://${urlHost}:${actualPort}`;
  log.info(`listening on ${url}`);
  // Continuous export: the records scans, writes and alerts enqueue reach their sinks from here (docs/export.md).
  const deliverer = options.deliverExports === false ? undefined : new ExportDeliverer(estate.store, { pollIntervalMs: 2000 });
  deliverer?.start();

  return {
    url,
    certificate: tls?.cert,
    createToken: (opts) => signToken(secret, opts).token,
    close: async () => {
      await app.close();
      await deliverer?.stop();
      await estate.close();
    },
  };
}


