/**
 * `palisade policy what-if --assignment NAME --effect Deny [--scope S]` — the article's "audit first, then Deny"
 * rollout made safe: which existing resources the assignment would deny on their next create or update if its
 * effect were Deny, grouped by resource group (or subscription), each group with the `palisade policy exemption
 * create ...` command that exempts it for a user who marks the group legitimate. Existing exemptions still apply:
 * resources they cover are listed apart under `exempt`.
 */
import { Command, Option } from 'commander';
import { canonicalKey } from '../../core/index.js';
import { denyWhatIf } from '../../policy/index.js';
import { PolicySession } from '../../service/index.js';
import type { Run } from '../run.js';

interface WhatIfOptions {
  assignment: string;
  effect: string;
  scope?: string;
  exemptionCategory: 'Waiver' | 'Mitigated';
  expiresOn?: string;
}

export function policyWhatIfCommand(run: Run): Command {
  return new Command('what-if')
    .description('Which existing resources an assignment would deny on their next update if its effect were --effect, grouped by scope, with a proposed exemption per group.')
    .requiredOption('--assignment <nameOrId>', 'Name or id of the policy assignment.')
    .option('--effect <effect>', 'The effect to try.', 'Deny')
    .option('--scope <scope>', 'Only resources at or below this scope.')
    .addOption(new Option('--exemption-category <category>', 'Category of the proposed exemptions.').choices(['Waiver', 'Mitigated']).default('Waiver'))
    .option('--expires-on <datetime>', 'Expiry to put in the proposed exemptions.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<WhatIfOptions>();
        const session = await PolicySession.open(ctx);
        if (opts.scope) await session.assertScopeExists(opts.scope);
        const assignment = session.findAssignment(opts.assignment, opts.scope);
        const { scanner } = await session.scan();
        const result = denyWhatIf(scanner, { assignment: assignment.id, effect: opts.effect, exemptionCategory: opts.exemptionCategory, expiresOn: opts.expiresOn });
        const key = opts.scope ? canonicalKey(opts.scope) : undefined;
        const within = (id: string) => key === undefined || session.scopeChain(id).has(key);
        const groups = result.groups
          .map((g) => ({ ...g, resources: g.resources.filter((r) => within(r.resourceId)) }))
          .filter((g) => g.resources.length > 0)
          .map((g) => ({
            ...g,
            resourceCount: g.resources.length,
            proposedExemption: { ...g.proposedExemption, command: g.proposedExemption.command.replace(/^az /, 'palisade ') },
          }));
        const exempt = result.exempt.filter((r) => within(r.resourceId));
        const total = new Set(groups.flatMap((g) => g.resources.map((r) => r.resourceId.toLowerCase()))).size;
        ctx.logger.info(`${total} resources would be denied in ${groups.length} groups; ${exempt.length} exempt`);
        ctx.emit({
          policyAssignmentId: result.policyAssignmentId,
          policyAssignmentName: assignment.name,
          effect: result.effect,
          scope: opts.scope ?? assignment.scope,
          totalResources: total,
          groups,
          exempt,
          referencesSkipped: result.referencesSkipped,
        });
      });
    });
}
