/**
 * Shared by the browser tests: the dashboard built with Vite, Debian's Chromium (never a downloaded browser), an API
 * client with a bearer token, and the small waits the pages need (they render after their fetches resolve).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { startServer } from '../../src/api/index.js';
import { CHROMIUM_ARGS, chromiumPath } from '../../src/cli/pdf.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const WEB = join(ROOT, 'web');
export const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');

/** Debian's chromium or $PALISADE_CHROMIUM; undefined skips the browser tests. */
export const executablePath = chromiumPath(process.env);

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  createToken(opts: { role: string; scope: string }): string;
}

/** Builds the dashboard into `outDir` (default web/dist); a separate directory lets test files build side by side. */
export async function buildDashboard(outDir?: string): Promise<void> {
  await build({ root: WEB, logLevel: 'warn', ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}) });
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/** A bearer-token client of the API server. */
export class Api {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  async call<T = any>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(path.startsWith('http') ? path : `${this.base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body: body as T };
  }

  async get<T = any>(path: string): Promise<T> {
    const r = await this.call<T>(path);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Every item of an ARM list, following nextLink. */
  async all<T = any>(path: string): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const p: { value: T[]; nextLink?: string } = await this.get(next);
      out.push(...p.value);
      next = p.nextLink;
    }
    return out;
  }
}

/** A locator's count once it settles on `n` (polls up to 10 s). */
export async function countOf(locator: { count(): Promise<number> }, n: number, timeout = 10_000): Promise<number> {
  const until = Date.now() + timeout;
  let c = await locator.count();
  while (c !== n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    c = await locator.count();
  }
  return c;
}

/** The number a test id shows ("1,234.5" → 1234.5), once it is on the page. */
export async function numberOf(page: Page, testId: string, timeout = 60_000): Promise<number> {
  const loc = page.getByTestId(testId).first();
  await loc.waitFor({ timeout });
  return Number((await loc.textContent())!.replace(/[,%\s]/g, ''));
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.waitForTimeout(300); // charts render after layout
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

/** Signs in on the sign-in page with a token and waits for the navigation. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
  // Settle first: once the subscriptions load, the app puts the chosen one in the address (a location.replace); a
  // navigation made before that would be overwritten by it.
  await page.waitForURL(/[?&]sub=/, { timeout: 150_000 });
}

export interface Served {
  dir: string;
  store: string;
  sample: string;
  server: RunningServer;
}

/**
 * A temporary directory with the store (`p.db`) and the sample (`sample/`) that `prepare` writes, the dashboard built
 * into `web/` at the same time (or into `webRoot`), and the API server over both with token auth.
 */
export async function serveSample(opts: {
  prefix: string;
  prepare(paths: { store: string; sample: string }): Promise<void>;
  env?: Record<string, string>;
  webRoot?: string;
}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix));
  const store = join(dir, 'p.db');
  const sample = join(dir, 'sample');
  const web = opts.webRoot ?? join(dir, 'web');
  await Promise.all([buildDashboard(web), opts.prepare({ store, sample })]);
  const server = (await startServer({ store, host: '127.0.0.1', port: 0, auth: 'token', webRoot: web, ...(opts.env ? { env: opts.env } : {}) })) as RunningServer;
  return { dir, store, sample, server };
}

/** Chromium with one 1280×800 page whose uncaught errors go to `pageErrors`. */
export async function openPage(pageErrors: string[]): Promise<{ browser: Browser; context: BrowserContext; page: Page }> {
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { browser, context, page };
}

/** Closes what `serveSample` and `openPage` opened, whichever of them got that far. */
export async function closeAll({ context, browser, server, dir }: { context?: BrowserContext; browser?: Browser; server?: RunningServer; dir?: string }): Promise<void> {
  await context?.close();
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
