/**
 * `palisade security ...`: Defender for Cloud's surfaces over the store's estate, mirroring `az security ...`.
 *
 * Output convention: every `list` prints the ARM list page `{value: [...]}` — the shape `az rest` prints and the one
 * `az security pricing list` prints — so the seed's `--query "value[]..."` expressions run unchanged. (az's paged
 * `security ... list` commands print a bare array; `--query value` gives that.) With `-o table` / `-o tsv` and no
 * `--query`, lists print their items, since a table of the page would be empty. Resources keep the ARM wire shape
 * (`properties.score.current`, `properties.status.code`, ...). `show` prints one resource.
 */
import { Command } from 'commander';
import type { Run } from '../run.js';
import { securityPricingCommand } from './security-pricing.js';
import { securityPostureCommands } from './security-posture.js';
import { securityRegulatoryCommands } from './security-regulatory.js';
import { securityAttackPathCommand } from './security-attack-path.js';
import { securityAlertCommand } from './security-alert.js';
import { securityAutomationCommand } from './security-automation.js';
import { securityGovernanceCommands } from './security-governance.js';

export function securityCommand(run: Run): Command {
  const security = new Command('security').description('Manage your security posture with Microsoft Defender for Cloud (computed from the estate in the store).');
  security.addCommand(securityPricingCommand(run));
  for (const c of securityPostureCommands(run)) security.addCommand(c);
  for (const c of securityRegulatoryCommands(run)) security.addCommand(c);
  security.addCommand(securityAttackPathCommand(run));
  security.addCommand(securityAlertCommand(run));
  security.addCommand(securityAutomationCommand(run));
  for (const c of securityGovernanceCommands(run)) security.addCommand(c);
  return security;
}
