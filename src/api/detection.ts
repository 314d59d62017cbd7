/**
 * Streaming detection on the server: one detection engine over the store, opened on first use, fed by
 * `POST /palisade/v1/telemetry`. Requests are processed one at a time; each request's events are checkpointed (state
 * and alerts written to the store) before the answer goes out, so a killed server loses nothing it acknowledged —
 * a brute force split across a restart is still detected. The plans follow pricing writes.
 */
import { PalisadeError } from '../core/index.js';
import { TelemetryParser, type EventOrigin, type PlanLookup, type RejectedRecord, type SecurityAlertRecord, type TelemetrySource } from '../protection/index.js';
import { estatePlans, exportAlerts, openDetectionEngine, type DetectionSetup } from '../service/index.js';
import type { ServerEstate } from './estate.js';

export interface IngestInput {
  /** a parsed JSON body (a record, an array of records or an envelope), or text with one record per line */
  body: unknown;
  text?: string;
  format?: TelemetrySource;
  resourceId?: string;
}

export interface IngestResult {
  events: number;
  rejected: number;
  rejectedRecords: Array<{ code: string; message: string } & EventOrigin>;
  alerts: { created: string[]; merged: string[] };
  exported: number;
}

const MAX_REJECTED_SHOWN = 50;

export class ServerDetection {
  private setup?: Promise<DetectionSetup>;
  private plans: PlanLookup = () => undefined;
  private plansGeneration = -1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly estate: ServerEstate) {}

  private async open(): Promise<DetectionSetup> {
    if (!this.setup) {
      const p = openDetectionEngine(this.estate.ctx, { plans: (sub, plan) => this.plans(sub, plan) });
      p.catch(() => {
        if (this.setup === p) this.setup = undefined;
      });
      this.setup = p;
    }
    return this.setup;
  }

  /** Parses and detects one request's telemetry, then checkpoints; requests run one after another. */
  ingest(input: IngestInput): Promise<IngestResult> {
    const run = this.queue.catch(() => undefined).then(() => this.run(input));
    this.queue = run;
    return run;
  }

  private async run(input: IngestInput): Promise<IngestResult> {
    if (this.plansGeneration !== this.estate.generationNow) {
      this.plans = (await estatePlans(this.estate.ctx)).plans;
      this.plansGeneration = this.estate.generationNow;
    }
    const { engine } = await this.open();
    const parser = new TelemetryParser({ format: input.format, resourceId: input.resourceId });
    const rejected: RejectedRecord[] = [];
    const changed = new Map<string, SecurityAlertRecord>();
    const created: string[] = [];
    const merged: string[] = [];
    let events = 0;
    const feed = (result: { events: unknown[]; rejected: RejectedRecord[] }) => {
      rejected.push(...result.rejected);
      for (const e of result.events) {
        events++;
        for (const c of engine.process(e)) {
          // an alert absorbed by a stronger one (superseded) is not exported on its own
          if (c.kind === 'superseded') changed.delete(c.alert.name);
          else changed.set(c.alert.name, c.alert);
          if (c.kind === 'created') created.push(c.alert.name);
          else if (c.kind === 'merged') merged.push(c.alert.name);
        }
      }
    };
    if (input.text !== undefined) {
      const lines = input.text.split(/\r?\n/);
      lines.forEach((line, i) => feed(parser.pushLine(line, { file: 'request body', line: i + 1 })));
    } else if (input.body !== undefined) {
      feed(parser.pushRecord(input.body, { file: 'request body', path: '$' }));
    } else {
      throw new PalisadeError('InvalidRequestContent', 'Send telemetry as JSON (a record, an array or {"records": [...]}) or as text with one record per line.', { kind: 'validation' });
    }
    feed(parser.end());
    await engine.checkpoint();
    const exported = await exportAlerts(this.estate.store, [...changed.values()]);
    return {
      events,
      rejected: rejected.length,
      rejectedRecords: rejected.slice(0, MAX_REJECTED_SHOWN).map((r) => ({ code: r.code, message: r.message, ...r.origin })),
      alerts: { created, merged: [...new Set(merged)].filter((n) => !created.includes(n)) },
      exported,
    };
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    const setup = await this.setup?.catch(() => undefined);
    await setup?.engine.close();
  }
}
