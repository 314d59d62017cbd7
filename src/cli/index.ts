import { CommanderError } from 'commander';
import { isPalisadeError, type ErrorKind } from '../core/index.js';
import type { CliIO } from './context.js';
import { CommandContext } from './context.js';
import { buildProgram } from './program.js';
import { redact } from './logger.js';

export { buildProgram } from './program.js';
export type { CliIO } from './context.js';

/** az exit codes: 0 ok, 1 error, 2 parser error, 3 missing resource. */
export function exitCodeFor(kind: ErrorKind): number {
  if (kind === 'argument') return 2;
  if (kind === 'notFound') return 3;
  return 1;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    env: process.env,
  };
}

/** Runs the CLI; returns the exit code. `argv` is `process.argv` (node, script, ...args). */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  if (io.stdout === processIO().stdout || argv === process.argv) {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  const contexts: CommandContext[] = [];
  const program = buildProgram(io, contexts);
  const debug = argv.includes('--debug');
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error, io, debug);
  } finally {
    for (const ctx of contexts) await ctx.close().catch(() => undefined);
  }
}

function reportError(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    const message = error.message.replace(/^error: /, '');
    io.stderr(`ERROR: ${message}\n`);
    return 2;
  }
  if (isPalisadeError(error)) {
    io.stderr(`ERROR: (${error.code}) ${redact(error.message)}\n`);
    if (error.target !== undefined) io.stderr(`Target: ${redact(error.target)}\n`);
    if (debug && error.stack) io.stderr(`DEBUG: ${redact(error.stack)}\n`);
    return exitCodeFor(error.kind);
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`ERROR: (InternalError) ${redact(message)}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`DEBUG: ${redact(error.stack)}\n`);
  else io.stderr('Run the command again with --debug for the stack trace.\n');
  return 1;
}
