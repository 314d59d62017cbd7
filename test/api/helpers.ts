/** A sample store shared by the API tests (generated once per file) and a small HTTP client. */
import { startServer, type RunningServer } from '../../src/api/index.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../cli/helpers.js';

export const NOW = '2026-09-01T00:00:00Z';

export interface Manifest {
  scenario: { nakedSubscriptionIds: string[]; busiestSubscriptionIds: string[] };
  subscriptions: Array<{ subscriptionId: string; naked: boolean; managementGroup: string }>;
}

export async function sampleStore(prefix: string): Promise<{ store: string; manifest: Manifest }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = join(dir, 'p.db');
  const sample = join(dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '-o', 'none'])).code).toBe(0);
  expect((await runCli(['estate', 'import', '--from', sample, '--store', store, '-o', 'none'])).code).toBe(0);
  return { store, manifest: JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8')) as Manifest };
}

export async function cliJson<T = any>(store: string, ...args: string[]): Promise<T> {
  const r = await runCli([...args, '--store', store], { PALISADE_NOW: NOW });
  if (r.code !== 0) throw new Error(`palisade ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface HttpResult {
  status: number;
  body: any;
  headers: Headers;
}

export async function http(url: string, init: { method?: string; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Every page of an ARM list, following nextLink. */
export async function allPages(url: string, token: string): Promise<{ items: any[]; pages: number; first: any }> {
  const items: any[] = [];
  let next: string | undefined = url;
  let pages = 0;
  let first: any;
  while (next) {
    const r = await http(next, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    if (!first) first = r.body;
    items.push(...r.body.value);
    next = r.body.nextLink;
    pages++;
  }
  return { items, pages, first };
}

/** A sample store, its busiest subscription, a server on a random port over it and an Owner token for the tenant root. */
export async function ownerServer(prefix: string): Promise<{ store: string; manifest: Manifest; sub: string; server: RunningServer; token: string }> {
  const { store, manifest } = await sampleStore(prefix);
  const server = await startServer({ store, port: 0, auth: 'token', env: { PALISADE_NOW: NOW } });
  return { store, manifest, sub: manifest.scenario.busiestSubscriptionIds[0], server, token: server.createToken({ role: 'Owner', scope: '/' }) };
}
