/** Severity words and scores of the four formats, normalised to Palisade's five levels. */
import type { FindingSeverity } from './types.js';

const WORDS: ReadonlyMap<string, FindingSeverity> = new Map([
  ['critical', 'Critical'],
  ['high', 'High'],
  ['important', 'High'], // Red Hat
  ['medium', 'Medium'],
  ['moderate', 'Medium'], // GitHub advisories, Red Hat
  ['low', 'Low'],
  ['negligible', 'Low'], // Grype
  ['info', 'Low'], // CycloneDX
  ['informational', 'Low'],
  ['none', 'Low'], // CycloneDX, CVSS 0.0
  ['unknown', 'Unknown'],
]);

/** `CRITICAL`, `Critical`, `critical`, `moderate`, `negligible`, ... → a level; undefined for anything else. */
export function severityFromWord(word: string): FindingSeverity | undefined {
  return WORDS.get(word.trim().toLowerCase());
}

/** CVSS v3 qualitative rating (also GitHub's `security-severity` buckets). */
export function severityFromScore(score: number): FindingSeverity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  return 'Low';
}

const RANK: Record<FindingSeverity, number> = { Unknown: 0, Low: 1, Medium: 2, High: 3, Critical: 4 };

export function maxSeverity(a: FindingSeverity, b: FindingSeverity): FindingSeverity {
  return RANK[b] > RANK[a] ? b : a;
}

export function severityRank(s: FindingSeverity): number {
  return RANK[s];
}
