/** Shared helpers of the `palisade security ...` commands: list output and the scope a command is about. */
import { PalisadeError } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { commandSubscription, managementGroupId, type PostureSession } from '../../service/index.js';

/** A list as the ARM page `{value}` (items alone for table/tsv output without --query). */
export function emitList(ctx: CommandContext, items: unknown[]): void {
  if (!ctx.options.query && (ctx.options.output === 'table' || ctx.options.output === 'tsv')) ctx.emit(items);
  else ctx.emit({ value: items });
}

export type PostureScope = { kind: 'subscription'; subscriptionId: string; displayName: string; id: string } | { kind: 'managementGroup'; name: string; id: string } | { kind: 'tenant'; id: '/' };

/** `--management-group NAME`, else the command's subscription (`--subscription`, required with several). */
export async function postureScope(ctx: CommandContext, managementGroup?: string, tenantByDefault = false): Promise<PostureScope> {
  if (managementGroup) return { kind: 'managementGroup', name: managementGroup, id: managementGroupId(managementGroup) };
  if (tenantByDefault && !ctx.options.subscription && !ctx.io.env.PALISADE_SUBSCRIPTION) return { kind: 'tenant', id: '/' };
  const sub = await commandSubscription(ctx);
  return { kind: 'subscription', subscriptionId: sub.subscriptionId, displayName: sub.displayName, id: `/subscriptions/${sub.subscriptionId}` };
}

/** Checks a management-group scope against the estate's tree. */
export function assertScope(session: PostureSession, scope: PostureScope): void {
  if (scope.kind === 'managementGroup' && !session.policy.tree.managementGroup(scope.name)) {
    throw new PalisadeError('ManagementGroupNotFound', `The management group '${scope.name}' was not found.`, { kind: 'notFound', target: scope.name });
  }
}

/** Subscription ids within a scope (lower-cased), or undefined for the tenant. */
export function subscriptionsIn(session: PostureSession, scope: PostureScope): Set<string> | undefined {
  if (scope.kind === 'tenant') return undefined;
  if (scope.kind === 'subscription') return new Set([scope.subscriptionId.toLowerCase()]);
  return new Set(
    session.run
      .subscriptionScores()
      .map((s) => s.subscriptionId)
      .filter((id) => session.policy.tree.subscriptionAncestors(id).some((mg) => mg.toLowerCase() === scope.name.toLowerCase()))
      .map((id) => id.toLowerCase()),
  );
}
