/**
 * `palisade sample --days N`: the quarter (or any window) of daily changes before the sample's base time, written next
 * to the estate files, which stay the state at the base time (byte-identical with or without a history):
 *
 *   DIR/history/changes.jsonl   one HistoryChange a line, by time
 *   DIR/history/labels.json     the drifts the history injected (the answer key of `palisade drift check`)
 *
 *   const summary = await writeSampleHistory({ outDir: 'sample', days: 90 });
 *
 * The history draws from its own PRNG stream (seed, 'history'), so it changes nothing else the seed decides.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import { gatherFacts, readManifest } from './history-facts.js';
import {
  HistoryBuilder,
  breakAuditPolicies,
  closeExposures,
  dropControlHealth,
  dropSubscriptionScore,
  expireExemptions,
  onboardSubscriptions,
  openBlobTemplate,
  remediate,
  retag,
} from './history-events.js';
import type { HistoryChangeKind, SampleHistoryLabels, SampleHistoryOptions, SampleHistorySummary } from './history-types.js';
import { Rng } from './prng.js';

export const HISTORY_DIRECTORY = 'history';
export const HISTORY_CHANGES_FILE = 'changes.jsonl';
export const HISTORY_LABELS_FILE = 'labels.json';
export const MAX_HISTORY_DAYS = 3650;
const DAY_MS = 86_400_000;

/** Writes DIR/history/changes.jsonl and labels.json for a sample directory. */
export async function writeSampleHistory(options: SampleHistoryOptions): Promise<SampleHistorySummary> {
  const { outDir: dir, days } = options;
  if (!Number.isInteger(days) || days < 1 || days > MAX_HISTORY_DAYS) {
    throw new PalisadeError('InvalidSampleOptions', `days must be an integer between 1 and ${MAX_HISTORY_DAYS}`, { kind: 'validation', target: 'days' });
  }
  const manifest = await readManifest(dir);
  const baseMs = Date.parse(manifest.baseTime);
  const sinceMs = baseMs - days * DAY_MS;
  const seed = manifest.seed;
  const facts = await gatherFacts(dir, manifest, sinceMs, seed);
  const exemptScopes = facts.exemptions.map((row) => canonicalKey(row.id.slice(0, row.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/policyexemptions/'))));
  const exempt = (id: string): boolean => {
    const key = canonicalKey(id);
    return exemptScopes.some((scope) => key === scope || key.startsWith(`${scope}/`));
  };

  const b = new HistoryBuilder(new Rng(seed, 'history'), sinceMs, baseMs);
  expireExemptions(b, facts);
  onboardSubscriptions(b, facts);
  openBlobTemplate(b, facts, exempt, 0.42);
  dropSubscriptionScore(b, facts, 0.64);
  breakAuditPolicies(b, facts, { publicBlob: [0.18, 0.7], secureTransfer: [0.56] });
  remediate(b, facts, [0.12, 0.33, 0.61, 0.86]);
  dropControlHealth(b, facts, 0.3);
  closeExposures(b, facts, [0.27, 0.78]);
  retag(b, facts, [0.5, 0.93]);

  const changes = b.changes();
  const byKind: Partial<Record<HistoryChangeKind, number>> = {};
  for (const c of changes) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
  const text = changes.map((c) => JSON.stringify(c)).join('\n') + (changes.length > 0 ? '\n' : '');
  const labels: SampleHistoryLabels = {
    generator: 'palisade-sample-history',
    formatVersion: 1,
    seed,
    baseTime: manifest.baseTime,
    days,
    since: new Date(sinceMs).toISOString(),
    changes: changes.length,
    changesByKind: byKind,
    drifts: b.labels(),
  };
  const out = join(dir, HISTORY_DIRECTORY);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, HISTORY_CHANGES_FILE), text, 'utf8');
  await writeFile(join(out, HISTORY_LABELS_FILE), JSON.stringify(labels, null, 2) + '\n', 'utf8');
  return {
    changesFile: join(out, HISTORY_CHANGES_FILE),
    labelsFile: join(out, HISTORY_LABELS_FILE),
    days,
    since: labels.since,
    changes: changes.length,
    changesByKind: byKind,
    injectedDrifts: labels.drifts.length,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
  };
}
