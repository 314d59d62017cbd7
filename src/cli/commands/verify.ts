/**
 * `palisade verify [--management-group NAME]`: the article's Verify list as checks — CSPM on every subscription,
 * secure score computed, MCSB assigned at the management group, continuous export enabled, attack paths present
 * (with the diagnosis when agentless scanning is blocked), compliance standards assessed, governance owners with due
 * dates. Each check passes or fails with its evidence and the exact commands that fix it; exit 1 when any fails.
 */
import { Command } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { renderVerify } from '../../program/index.js';
import { verifyEstate } from '../../service/index.js';
import type { Run } from '../run.js';
import { wantsText } from './scan.js';

export function verifyCommand(run: Run): Command {
  return new Command('verify')
    .description('Check that the posture program is wired, not just toggled: each check with its evidence and the command that fixes it (exit 1 when one fails).')
    .option('-m, --management-group <name>', 'The management group to verify (default: the top management group under the tenant root).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ managementGroup?: string }>();
        const result = await verifyEstate(ctx, { managementGroup: opts.managementGroup });
        if (wantsText(this, ctx)) ctx.io.stdout(renderVerify(result));
        else ctx.emit(result);
        const failed = result.checks.filter((c) => c.status === 'fail');
        if (failed.length > 0) {
          throw new PalisadeError('VerifyFailed', `${failed.length} verify check(s) failed: ${failed.map((c) => c.id).join(', ')}`, { kind: 'validation' });
        }
      });
    });
}
