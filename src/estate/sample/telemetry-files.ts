/**
 * Collects the sample telemetry per file and writes it, each file in time order: a JSON envelope
 * (`{"records":[...]}`), JSON Lines, or text lines (an entry may span several lines, like the records of one auditd
 * event). Every entry says how many security events it stands for, so the labels can give exact counts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type TelemetryFileShape = 'envelope' | 'jsonl' | 'lines';

interface Entry {
  time: number;
  order: number;
  text: string;
  events: number;
}

export class TelemetryFileSet {
  private readonly files = new Map<string, { shape: TelemetryFileShape; entries: Entry[] }>();
  private order = 0;

  /** Adds a record (JSON shapes) or text (lines) to `path` (relative to the telemetry directory). */
  add(path: string, shape: TelemetryFileShape, time: number, record: unknown, events = 1): void {
    let file = this.files.get(path);
    if (file === undefined) this.files.set(path, (file = { shape, entries: [] }));
    if (file.shape !== shape) throw new Error(`sample telemetry: ${path} written as ${file.shape} and ${shape}`);
    const text = shape === 'lines' ? String(record) : JSON.stringify(record);
    file.entries.push({ time, order: this.order++, text, events });
  }

  /** Security events the entries of these files stand for. */
  events(paths: Iterable<string>): number {
    let n = 0;
    for (const p of paths) for (const e of this.files.get(p)?.entries ?? []) n += e.events;
    return n;
  }

  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  async write(dir: string): Promise<void> {
    for (const path of this.paths()) {
      const file = this.files.get(path)!;
      const entries = file.entries.slice().sort((a, b) => a.time - b.time || a.order - b.order);
      let text: string;
      if (file.shape === 'envelope') text = `{"records":[\n${entries.map((e) => e.text).join(',\n')}\n]}\n`;
      else text = entries.map((e) => `${e.text}\n`).join('');
      const full = join(dir, ...path.split('/'));
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text, 'utf8');
    }
  }
}
