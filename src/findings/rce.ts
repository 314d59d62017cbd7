/**
 * Does a vulnerability give remote code execution? True when the text says so, or when the CVSS vector is
 * network-reachable (AV:N) and a CWE is one of the code-execution weaknesses (injection of code or commands,
 * unsafe deserialisation, expression-language injection).
 */

export const RCE_CWES: ReadonlySet<string> = new Set(['CWE-77', 'CWE-78', 'CWE-94', 'CWE-95', 'CWE-502', 'CWE-917']);

const RCE_TEXT = /\bremote(?:ly)?\s+(?:unauthenticated\s+)?(?:code|command)\s+execution\b|\bRCE\b/i;
const ARBITRARY_CODE = /\b(?:execut(?:e|es|ing|ion of)\s+arbitrary\s+(?:code|commands?)|arbitrary\s+(?:code|command)\s+execution)\b/i;

export interface RceEvidence {
  texts: ReadonlyArray<string | undefined>;
  /** `CWE-94` form (see `normaliseCwe`). */
  cwes: readonly string[];
  /** CVSS vectors with or without their `CVSS:3.1/` prefix. */
  vectors: ReadonlyArray<string | undefined>;
}

export function isRemoteCodeExecution(evidence: RceEvidence): boolean {
  const texts = evidence.texts.filter((t): t is string => typeof t === 'string' && t.length > 0);
  if (texts.some((t) => RCE_TEXT.test(t))) return true;
  const network = evidence.vectors.some((v) => typeof v === 'string' && /(?:^|\/)AV:N(?:\/|$)/.test(v));
  if (!network) return false;
  if (evidence.cwes.some((c) => RCE_CWES.has(c))) return true;
  return texts.some((t) => ARBITRARY_CODE.test(t));
}

/** `94`, `CWE-94`, `cwe-94`, `external/cwe/cwe-094` → `CWE-94`; undefined when it is not a CWE. */
export function normaliseCwe(value: string | number): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? `CWE-${value}` : undefined;
  const m = /(?:^|\/|\b)cwe[-_]?0*(\d+)$/i.exec(value.trim()) ?? /^0*(\d+)$/.exec(value.trim());
  return m ? `CWE-${Number(m[1])}` : undefined;
}
