/** Small text helpers shared by the adapters. */

/** Shortens to at most `max` characters at a word boundary, with an ellipsis. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

/**
 * A title from a description (Grype and CycloneDX records have none): its first sentence, or the first line when
 * that sentence is too short to say anything ("Jetty is a java based web server."); at most `max` characters.
 */
export function firstSentence(text: string | undefined, max = 160): string | undefined {
  if (text === undefined) return undefined;
  const line = text.trim().split(/\r?\n/)[0]?.trim() ?? '';
  if (line === '') return undefined;
  const m = /^(.+?[.!?])(?:\s|$)/.exec(line);
  const sentence = m && m[1].length >= 60 ? m[1] : line;
  return clip(sentence, max);
}

/** First defined, non-blank string. */
export function firstText(...values: Array<string | undefined>): string | undefined {
  for (const v of values) if (v !== undefined && v.trim() !== '') return v.trim();
  return undefined;
}

/**
 * Vulnerability ids of the advisory databases scanners report (CVE, GHSA, OSV ecosystems, distro advisories), at the
 * start of a rule id: Grype's SARIF names rules `CVE-2023-48795-openssh-client`.
 */
export const VULNERABILITY_ID_PREFIX =
  /^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|GO-\d{4}-\d+|PYSEC-\d{4}-\d+|RUSTSEC-\d{4}-\d+|OSV-\d{4}-\d+|GMS-\d{4}-\d+|ALAS\d*-\d{4}-\d+|RHSA-\d{4}:\d+|DSA-\d+(?:-\d+)?|DLA-\d+(?:-\d+)?|USN-\d+-\d+|ELSA-\d{4}-\d+|SNYK-[A-Z0-9-]+|MAL-\d{4}-\d+)(?=$|[-_:/ ])/i;

/** The advisory id a rule id starts with, if any. */
export function vulnerabilityIdOf(ruleId: string): string | undefined {
  return VULNERABILITY_ID_PREFIX.exec(ruleId.trim())?.[0];
}
