/**
 * `palisade security regulatory-compliance-standards|regulatory-compliance-controls|regulatory-compliance-assessments
 * list|show`, mirroring `az security regulatory-compliance-* ...` (regulatoryCompliance 2019-01-01-preview) for one
 * subscription. MCSB is always listed; CIS, NIST SP 800-53 and PCI DSS once their initiative is assigned at or above
 * the subscription (`palisade policy assignment create --policy-set-definition ...`).
 */
import { Command } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { toArmComplianceAssessment, toArmComplianceControl, toArmComplianceStandard, type ComplianceControlResult, type ComplianceStandardResult } from '../../posture/index.js';
import type { CommandContext } from '../context.js';
import { PostureSession } from '../../service/index.js';
import type { Run } from '../run.js';
import { emitList, postureScope } from './security-common.js';

async function standards(ctx: CommandContext): Promise<{ session: PostureSession; subscriptionId: string; results: ComplianceStandardResult[] }> {
  const scope = await postureScope(ctx);
  if (scope.kind !== 'subscription') throw new Error('unreachable');
  const session = await PostureSession.open(ctx);
  return { session, subscriptionId: scope.subscriptionId, results: session.run.compliance(scope.subscriptionId) };
}

/** The standard by name: UnknownStandard (listing the valid names) or StandardNotEnabled (how to assign it). */
export function standardNamed(session: PostureSession, results: readonly ComplianceStandardResult[], name: string, subscriptionId?: string): ComplianceStandardResult {
  const hit = results.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (hit) return hit;
  const known = session.catalog.standard(name); // UnknownStandard with the valid values
  const scope = subscriptionId ? `/subscriptions/${subscriptionId}` : '/providers/Microsoft.Management/managementGroups/<root>';
  throw new PalisadeError(
    'StandardNotEnabled',
    `The standard '${known.name}' is not enabled${subscriptionId ? ` for subscription '${subscriptionId}'` : ''}: assign its initiative, e.g. palisade policy assignment create --name ${known.name.toLowerCase()} --policy-set-definition ${known.policySetDefinitionId} --scope ${scope}. Enabled: ${results.map((r) => r.name).join(', ')}.`,
    { kind: 'notFound', target: name },
  );
}

export function controlNamed(standard: ComplianceStandardResult, name: string): ComplianceControlResult {
  const hit = standard.controls.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (hit) return hit;
  const names = standard.controls.map((c) => c.name);
  throw new PalisadeError('UnknownControl', `'${name}' is not a control of ${standard.name}. Valid values: ${names.slice(0, 60).join(', ')}${names.length > 60 ? `, ... (${names.length} in all; see 'palisade security regulatory-compliance-controls list --standard-name ${standard.name}')` : ''}.`, {
    kind: 'argument',
    target: 'controlName',
  });
}

export function securityRegulatoryCommands(run: Run): Command[] {
  const std = new Command('regulatory-compliance-standards').description('Regulatory compliance standards of the subscription.');
  std
    .command('list')
    .description('List the standards: {value: [...]}.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { subscriptionId, results } = await standards(ctx);
        emitList(ctx, results.map((s) => toArmComplianceStandard(subscriptionId, s)));
      });
    });
  std
    .command('show')
    .description('Show one standard.')
    .requiredOption('-n, --name <name>', 'The standard (Microsoft-cloud-security-benchmark, CIS-Azure-Foundations-v3.0.0, NIST-SP-800-53-R5, PCI-DSS-v4.0.1).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { name } = this.opts<{ name: string }>();
        const { session, subscriptionId, results } = await standards(ctx);
        ctx.emit(toArmComplianceStandard(subscriptionId, standardNamed(session, results, name, subscriptionId)));
      });
    });

  const controls = new Command('regulatory-compliance-controls').description('Controls of a regulatory compliance standard.');
  controls
    .command('list')
    .description('List the controls of a standard: {value: [...]}.')
    .requiredOption('--standard-name <name>', 'The standard.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { standardName } = this.opts<{ standardName: string }>();
        const { session, subscriptionId, results } = await standards(ctx);
        const s = standardNamed(session, results, standardName, subscriptionId);
        emitList(ctx, s.controls.map((c) => toArmComplianceControl(subscriptionId, s.name, c)));
      });
    });
  controls
    .command('show')
    .description('Show one control.')
    .requiredOption('--standard-name <name>', 'The standard.')
    .requiredOption('-n, --name <name>', 'The control.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ standardName: string; name: string }>();
        const { session, subscriptionId, results } = await standards(ctx);
        const s = standardNamed(session, results, opts.standardName, subscriptionId);
        ctx.emit(toArmComplianceControl(subscriptionId, s.name, controlNamed(s, opts.name)));
      });
    });

  const assessments = new Command('regulatory-compliance-assessments').description('Assessments of a regulatory compliance control.');
  assessments
    .command('list')
    .description('List the assessments of a control: {value: [...]}.')
    .requiredOption('--standard-name <name>', 'The standard.')
    .requiredOption('--control-name <name>', 'The control.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ standardName: string; controlName: string }>();
        const { session, subscriptionId, results } = await standards(ctx);
        const s = standardNamed(session, results, opts.standardName, subscriptionId);
        const c = controlNamed(s, opts.controlName);
        emitList(ctx, c.assessments.map((a) => toArmComplianceAssessment(subscriptionId, s.name, c.name, a)));
      });
    });
  assessments
    .command('show')
    .description('Show one assessment of a control (exit code 3 when it does not exist).')
    .requiredOption('--standard-name <name>', 'The standard.')
    .requiredOption('--control-name <name>', 'The control.')
    .requiredOption('-n, --name <name>', 'The assessment (GUID).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ standardName: string; controlName: string; name: string }>();
        const { session, subscriptionId, results } = await standards(ctx);
        const s = standardNamed(session, results, opts.standardName, subscriptionId);
        const c = controlNamed(s, opts.controlName);
        const a = c.assessments.find((x) => x.name.toLowerCase() === opts.name.toLowerCase());
        if (!a) {
          throw new PalisadeError('RegulatoryComplianceAssessmentNotFound', `The assessment '${opts.name}' of control '${c.name}' was not found. Valid values: ${c.assessments.map((x) => x.name).join(', ') || 'none'}.`, { kind: 'notFound', target: opts.name });
        }
        ctx.emit(toArmComplianceAssessment(subscriptionId, s.name, c.name, a));
      });
    });

  return [std, controls, assessments];
}
