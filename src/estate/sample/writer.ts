import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ArgRow, ArgTable } from '../types.js';

const CHUNK = 1 << 20;

/**
 * Writes one ARG table as JSON Lines. Rows are serialised immediately and buffered in ~1 MB chunks; the caller
 * awaits `settle()` between batches so the stream's backpressure bounds memory. Also counts rows per type and
 * hashes the bytes written.
 */
export class TableWriter {
  readonly table: ArgTable;
  readonly file: string;
  rows = 0;
  readonly types = new Map<string, number>();
  private readonly stream: WriteStream;
  private readonly hash: Hash = createHash('sha256');
  private parts: string[] = [];
  private pending = 0;
  private error: Error | undefined;

  constructor(outDir: string, table: ArgTable) {
    this.table = table;
    this.file = `${table}.jsonl`;
    this.stream = createWriteStream(join(outDir, this.file), { encoding: 'utf8', highWaterMark: CHUNK });
    this.stream.on('error', (err) => {
      this.error = err;
    });
  }

  write(row: ArgRow): void {
    const line = JSON.stringify(row) + '\n';
    this.parts.push(line);
    this.pending += line.length;
    this.rows++;
    this.types.set(row.type, (this.types.get(row.type) ?? 0) + 1);
    if (this.pending >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.pending = 0;
    this.hash.update(chunk, 'utf8');
    this.stream.write(chunk);
  }

  /**
   * Resolves once the stream can take more: waits for 'drain' while the stream's buffer is over its high-water
   * mark. `writableNeedDrain` is checked synchronously before listening, so a 'drain' cannot be missed.
   */
  async settle(): Promise<void> {
    if (this.error) throw this.error;
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  /** Flushes, closes the file and returns its SHA-256. */
  async close(): Promise<string> {
    this.flush();
    if (this.error) throw this.error;
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await finished;
    if (this.error) throw this.error;
    return this.hash.digest('hex');
  }

  /** Closes without caring for errors (after a failure elsewhere). */
  destroy(): void {
    this.stream.destroy();
  }
}
