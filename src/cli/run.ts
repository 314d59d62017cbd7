import type { Command } from 'commander';
import type { CommandContext } from './context.js';

/** Runs a command body with the context built from the global options. */
export type Run = (command: Command, body: (ctx: CommandContext) => Promise<void>) => Promise<void>;
