import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './helpers.js';

/** A temporary folder with a SQLite store `p.db` in it, and the CLI run on that store. */
export interface CliWorkspace {
  dir: string;
  store: string;
  /** The CLI with `--store` appended. */
  cli(...args: string[]): Promise<CliResult>;
  /** The parsed JSON stdout of a command that must exit 0. */
  json<T = any>(...args: string[]): Promise<T>;
}

export function cliWorkspace(prefix: string, env: NodeJS.ProcessEnv = {}): CliWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = join(dir, 'p.db');
  const cli = (...args: string[]) => runCli([...args, '--store', store], env);
  const json = async <T = any>(...args: string[]): Promise<T> => {
    const r = await cli(...args);
    if (r.code !== 0) throw new Error(`palisade ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  return { dir, store, cli, json };
}

/** Generates a sample estate in the workspace, imports it into the store and returns the sample's manifest. */
export async function importSample<M>(workspace: CliWorkspace, subscriptions: number, resources: number): Promise<M> {
  const sample = join(workspace.dir, 'sample');
  expect((await runCli(['sample', '--out', sample, '--subscriptions', String(subscriptions), '--resources', String(resources), '-o', 'none'])).code).toBe(0);
  expect((await workspace.cli('estate', 'import', '--from', sample, '-o', 'none')).code).toBe(0);
  return JSON.parse(readFileSync(join(sample, 'manifest.json'), 'utf8')) as M;
}
