/**
 * `readTelemetry(path)`: the events of a telemetry file or directory as one async stream, for a streaming
 * detection engine. A file's events come in file order. A directory's files are merged by event time (a k-way merge:
 * at each step the earliest head event of all files comes next; ties go to the file that sorts first), so windows and
 * sequences see one time-ordered stream when each file is in time order — as logs are. Rejected records are counted
 * in `stats`, passed to `onRejected` and the first `keepRejected` of them kept in `rejected`; they never stop the
 * stream. Only a path that does not exist or a broken `index.json` fails the whole read (coded PalisadeErrors).
 */
import { basename, dirname } from 'node:path';
import type { RejectedRecord, SecurityEvent } from '../event.js';
import { readTelemetryFile } from './file-reader.js';
import { describeFile, isDirectory, listTelemetryFiles, type TelemetryFile } from './layout.js';
import { DEFAULT_MAX_RECORD_BYTES, TelemetryParser } from './parser.js';
import { REJECTION_CODES, type ParseResult, type TelemetryReadOptions, type TelemetryStats } from './types.js';

const DIRECTORY_HIGH_WATER_MARK = 1 << 16;

export class TelemetryStream implements AsyncIterable<SecurityEvent> {
  readonly stats: TelemetryStats = { files: 0, records: 0, events: 0, skipped: 0, rejected: 0, eventsBySource: {}, rejectedByCode: {} };
  readonly rejected: RejectedRecord[] = [];
  private started = false;

  constructor(
    readonly path: string,
    private readonly options: TelemetryReadOptions = {},
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SecurityEvent> {
    if (this.started) throw new Error('a TelemetryStream can be iterated once');
    this.started = true;
    return this.events();
  }

  /** Reads everything, returning the events in stream order (for tests and small inputs). */
  async toArray(): Promise<SecurityEvent[]> {
    const out: SecurityEvent[] = [];
    for await (const event of this) out.push(event);
    return out;
  }

  private async *events(): AsyncGenerator<SecurityEvent> {
    const directory = await isDirectory(this.path);
    let files: TelemetryFile[];
    if (directory) files = await listTelemetryFiles(this.path);
    else {
      files = [describeFile(this.path, basename(this.path), new Map())];
      const folder = basename(dirname(this.path));
      const fromFolder = describeFile(this.path, `${folder}/${basename(this.path)}`, new Map()).source;
      if (fromFolder !== undefined) files[0].source = fromFolder;
    }
    this.stats.files = files.length;
    const streams = files.map((f) => this.fileEvents(f, directory ? DIRECTORY_HIGH_WATER_MARK : undefined));
    if (streams.length === 1) {
      yield* streams[0];
      return;
    }
    yield* mergeByTime(streams);
  }

  private async *fileEvents(file: TelemetryFile, highWaterMark: number | undefined): AsyncGenerator<SecurityEvent> {
    const format = this.options.format ?? file.source;
    const parser = new TelemetryParser({
      format,
      resourceId: file.resourceId ?? this.options.resourceId,
      year: this.options.year,
      referenceTime: this.options.referenceTime,
      maxRecordBytes: this.options.maxRecordBytes,
    });
    const maxRecordBytes = this.options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    try {
      for await (const result of readTelemetryFile(file.file, parser, { maxRecordBytes, highWaterMark }, () => this.stats.records++)) {
        this.account(result);
        for (const event of result.events) yield event;
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw err;
      this.reject({ code: REJECTION_CODES.fileError, message: `cannot read the file: ${(err as Error).message}`, origin: { file: file.file } });
    }
  }

  private account(result: ParseResult): void {
    this.stats.skipped += result.skipped;
    for (const event of result.events) {
      this.stats.events++;
      this.stats.eventsBySource[event.source] = (this.stats.eventsBySource[event.source] ?? 0) + 1;
    }
    for (const r of result.rejected) this.reject(r);
  }

  private reject(r: RejectedRecord): void {
    this.stats.rejected++;
    this.stats.rejectedByCode[r.code] = (this.stats.rejectedByCode[r.code] ?? 0) + 1;
    if (this.rejected.length < (this.options.keepRejected ?? 1000)) this.rejected.push(r);
    this.options.onRejected?.(r);
  }
}

export function readTelemetry(path: string, options: TelemetryReadOptions = {}): TelemetryStream {
  return new TelemetryStream(path, options);
}

interface Head {
  event: SecurityEvent;
  order: number;
  iterator: AsyncIterator<SecurityEvent>;
}

function before(a: Head, b: Head): boolean {
  return a.event.time < b.event.time || (a.event.time === b.event.time && a.order < b.order);
}

/** k-way merge of time-ordered streams by event time (a binary heap of the streams' next events). */
export async function* mergeByTime(streams: ReadonlyArray<AsyncIterable<SecurityEvent>>): AsyncGenerator<SecurityEvent> {
  const heap: Head[] = [];
  const push = (h: Head): void => {
    heap.push(h);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): Head => {
    const top = heap[0];
    const last = heap.pop() as Head;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  const iterators = streams.map((s) => s[Symbol.asyncIterator]());
  try {
    for (let order = 0; order < iterators.length; order++) {
      const next = await iterators[order].next();
      if (!next.done) push({ event: next.value, order, iterator: iterators[order] });
    }
    while (heap.length > 0) {
      const head = pop();
      yield head.event;
      const next = await head.iterator.next();
      if (!next.done) push({ event: next.value, order: head.order, iterator: head.iterator });
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
