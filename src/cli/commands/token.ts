/**
 * `palisade token create --role R --scope S [--expires 1h]`: a bearer token for `palisade serve --auth token`, printed
 * like `az account get-access-token` (`{accessToken, expiresOn, role, scope}`). Tokens are signed with the server
 * secret kept in the store, so they work with every server over the same store.
 */
import { Command, Option } from 'commander';
import { ROLES, createApiToken } from '../../api/index.js';
import type { Run } from '../run.js';

export function tokenCommand(run: Run): Command {
  const token = new Command('token').description('Bearer tokens for the API server.');
  token
    .command('create')
    .description('Create a bearer token for a role at a scope.')
    .addOption(new Option('--role <role>', 'The role.').choices([...ROLES]).makeOptionMandatory())
    .requiredOption('--scope <scope>', 'The scope: / (tenant root), /providers/Microsoft.Management/managementGroups/NAME, /subscriptions/ID, ...')
    .option('--expires <duration>', 'Lifetime: 30m, 1h, 7d or seconds.', '1h')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ role: string; scope: string; expires: string }>();
        ctx.emit(await createApiToken(await ctx.store(), { role: opts.role, scope: opts.scope, expiresIn: opts.expires }));
      });
    });
  return token;
}
