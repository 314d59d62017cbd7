import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError } from '../core/index.js';
import { compileQuery, parseOutputFormat, type OutputFormat } from './output/index.js';
import { CommandContext, type CliIO, type GlobalOptions } from './context.js';
import type { Run } from './run.js';
import { accountCommands } from './commands/account.js';
import { catalogCommands } from './commands/catalog.js';
import { estateCommands } from './commands/estate.js';
import { policyCommand } from './commands/policy-definitions.js';
import { policyAssignmentCommand } from './commands/policy-assignments.js';
import { policyExemptionCommand } from './commands/policy-exemptions.js';
import { policyStateCommand } from './commands/policy-states.js';
import { policyRemediationCommand } from './commands/policy-remediations.js';
import { policyWhatIfCommand } from './commands/policy-what-if.js';
import { policyTestCommand } from './commands/policy-test.js';
import { resourceCommands } from './commands/resource.js';
import { sampleCommand } from './commands/sample.js';
import { startCommand } from './commands/start.js';
import { securityCommand } from './commands/security-group.js';
import { scanCommand } from './commands/scan.js';
import { complianceCommand } from './commands/compliance.js';
import { findingsCommand } from './commands/findings.js';
import { graphCommand } from './commands/graph.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { historyCommand } from './commands/history.js';
import { driftCommand } from './commands/drift.js';
import { detectCommand } from './commands/detect.js';
import { verifyCommand } from './commands/verify.js';
import { reviewCommand } from './commands/review.js';
import { exportCommand, workspaceCommand } from './commands/workspace.js';

const VERSION = '0.1.0';

/** Parses an option value, turning a PalisadeError into commander's argument error (exit 2). */
function argumentParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** The global options az accepts on every command, plus --store. */
function addGlobalOptions(command: Command): Command {
  return command
    .addOption(
      new Option('-o, --output <format>', 'Output format.  Allowed values: json, jsonc, none, table, tsv, yaml, yamlc.')
        .argParser(argumentParser(parseOutputFormat))
        .default('json' as OutputFormat),
    )
    .addOption(new Option('--query <jmespath>', 'JMESPath query string. See http://jmespath.org/ for more information and examples.').argParser(argumentParser(compileQuery)))
    .option('--only-show-errors', 'Only show errors, suppressing warnings.')
    .option('--verbose', 'Increase logging verbosity. Use --debug for full debug logs.')
    .option('--debug', 'Increase logging verbosity to show all debug logs.')
    .option('--subscription <nameOrId>', 'Name or ID of subscription.')
    .option('--store <url>', 'Store: a SQLite file path (default .palisade/palisade.db or $PALISADE_STORE) or postgres://... URL.');
}

export function buildProgram(io: CliIO, contexts: CommandContext[]): Command {
  const run: Run = async (command, body) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const ctx = new CommandContext(options, io);
    contexts.push(ctx);
    const started = Date.now();
    try {
      await body(ctx);
    } finally {
      await ctx.close();
      ctx.logger.info(`Command ran in ${((Date.now() - started) / 1000).toFixed(3)} seconds`);
    }
  };

  const program = addGlobalOptions(new Command('palisade'))
    .description('Palisade: cloud security posture for Azure, self-hosted. Commands mirror the Azure CLI (az).')
    .version(VERSION, '--version', 'Show the version.')
    .helpOption('-h, --help', 'Show this help message and exit.')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: () => undefined, // errors are printed by main() in az style
    });

  for (const command of [sampleCommand(run), estateCommands(run), resourceCommands(run), accountCommands(run), startCommand(run), catalogCommands(run), policyCommand(run, [
      policyAssignmentCommand(run),
      policyExemptionCommand(run),
      policyStateCommand(run),
      policyRemediationCommand(run),
      policyWhatIfCommand(run),
      policyTestCommand(run),
    ])]) {
    program.addCommand(command);
  }
  program.addCommand(securityCommand(run));
  program.addCommand(scanCommand(run));
  program.addCommand(complianceCommand(run));
  program.addCommand(findingsCommand(run));
  program.addCommand(graphCommand(run));
  program.addCommand(serveCommand(run));
  program.addCommand(tokenCommand(run));
  program.addCommand(historyCommand(run));
  program.addCommand(driftCommand(run));
  program.addCommand(detectCommand(run));
  program.addCommand(verifyCommand(run));
  program.addCommand(reviewCommand(run));
  program.addCommand(workspaceCommand(run));
  program.addCommand(exportCommand(run));
  inheritSettings(program);
  return program;
}

/** Subcommands created standalone need the root's error and output behaviour too. */
function inheritSettings(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride();
    sub.helpOption('-h, --help', 'Show this help message and exit.');
    sub.showSuggestionAfterError(true);
    sub.configureHelp({ showGlobalOptions: true, sortSubcommands: true });
    sub.configureOutput({
      writeOut: (text) => command.configureOutput().writeOut!(text),
      writeErr: (text) => command.configureOutput().writeErr!(text),
      outputError: () => undefined,
    });
    inheritSettings(sub);
  }
}

export { PalisadeError };
