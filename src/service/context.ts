/**
 * What the service layer needs from its caller (the CLI's CommandContext, or the API server's per-request context):
 * the store, the environment (catalog location, clock, default subscription), output flags that decide whether to
 * draw progress, a progress reporter and a logger.
 */
import { resolve } from 'node:path';
import { PalisadeError } from '../core/index.js';
import { DEFAULT_CATALOG_DIR } from '../catalog/index.js';
import type { Store } from '../store/index.js';

export interface ServiceProgress {
  update(done: number, total: number): void;
  stop(): void;
}

export interface ServiceLogger {
  info(message: string): void;
  warning(message: string): void;
  debug?(message: string): void;
}

export interface ServiceContext {
  store(): Promise<Store>;
  readonly io: { readonly env: NodeJS.ProcessEnv };
  readonly options: { readonly subscription?: string; readonly onlyShowErrors?: boolean; readonly output?: string };
  progress(label: string, unit?: string): ServiceProgress;
  readonly logger: ServiceLogger;
}

/** The catalog directory: `$PALISADE_CATALOG` or the shipped `catalog/`. */
export function catalogDir(env: NodeJS.ProcessEnv): string {
  return env.PALISADE_CATALOG ? resolve(env.PALISADE_CATALOG) : DEFAULT_CATALOG_DIR;
}

/** A subscription id from its id or display name (as the estate holds it). */
export async function resolveSubscription(ctx: Pick<ServiceContext, 'store'>, nameOrId: string): Promise<string> {
  const store = await ctx.store();
  const subs = await store.listResources({ types: ['microsoft.resources/subscriptions'] });
  const match = subs.find((s) => (s.subscriptionId ?? '').toLowerCase() === nameOrId.toLowerCase() || s.name.toLowerCase() === nameOrId.toLowerCase());
  if (!match) {
    throw new PalisadeError('SubscriptionNotFound', `Subscription '${nameOrId}' not found. Check the spelling, or run 'palisade account list'.`, {
      kind: 'notFound',
      target: nameOrId,
    });
  }
  return match.subscriptionId ?? match.name;
}
