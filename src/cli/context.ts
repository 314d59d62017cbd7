import type { Store } from '../store/index.js';
import { openStore } from '../store/index.js';
import { formatOutput, type CompiledQuery, type OutputFormat } from './output/index.js';
import { Logger } from './logger.js';
import { createProgress, type Progress } from './progress.js';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** true when stdout is a terminal (colour for jsonc/yamlc) */
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export interface GlobalOptions {
  output: OutputFormat;
  query?: CompiledQuery;
  onlyShowErrors?: boolean;
  verbose?: boolean;
  debug?: boolean;
  subscription?: string;
  store?: string;
}

/** What every command gets: parsed global options, output, logging, progress and the store. */
export class CommandContext {
  readonly logger: Logger;
  private openedStore?: Store;

  constructor(
    readonly options: GlobalOptions,
    readonly io: CliIO,
  ) {
    this.logger = Logger.fromFlags(options, io.stderr);
  }

  /** The store named by --store, $PALISADE_STORE or the default `.palisade/palisade.db`; opened once. */
  async store(): Promise<Store> {
    if (!this.openedStore) {
      const url = this.options.store ?? this.io.env.PALISADE_STORE;
      this.logger.debug(`opening store ${url ?? '.palisade/palisade.db'}`);
      this.openedStore = await openStore(url);
    }
    return this.openedStore;
  }

  /** Applies --query and prints the result in the --output format. */
  emit(result: unknown): void {
    const queried = this.options.query ? this.options.query.search(result) : result;
    const text = formatOutput(queried, this.options.output, {
      queryActive: this.options.query !== undefined,
      colour: this.io.stdoutIsTTY,
    });
    if (text !== '') this.io.stdout(text);
  }

  progress(label: string, unit = ''): Progress {
    const enabled = !this.options.onlyShowErrors && this.options.output !== 'none';
    return createProgress(label, enabled, unit);
  }

  async close(): Promise<void> {
    if (this.openedStore) {
      await this.openedStore.close();
      this.openedStore = undefined;
    }
  }
}
