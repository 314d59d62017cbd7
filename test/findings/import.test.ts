import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, parseFindings, readFindingsFile } from '../../src/findings/index.js';
import { VM_WEB, caught, fixture, fixturePath } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'palisade-findings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('format detection', () => {
  it('recognises each fixture by its content', () => {
    const expected: Record<string, string> = {
      'trivy-vm.json': 'trivy',
      'trivy-image.json': 'trivy',
      'unmappable-trivy.json': 'trivy',
      'grype-image.json': 'grype',
      'grype-disk.json': 'grype',
      'trivy-image.sarif': 'sarif',
      'gitleaks-vm.sarif': 'sarif',
      'mixed-runs.sarif': 'sarif',
      'sarif-2.0.0.sarif': 'sarif',
      'image.cdx.json': 'cyclonedx',
      'vm-vex.cdx.json': 'cyclonedx',
    };
    for (const [name, format] of Object.entries(expected)) expect([name, detectFormat(JSON.parse(fixture(name)))]).toEqual([name, format]);
  });

  it('says undefined for anything else, without throwing on odd values', () => {
    for (const value of [null, 1, 'x', [], [1], {}, { matches: 'x' }, { runs: [] }, { SchemaVersion: 2 }, { bomFormat: 'SPDX' }, { spdxVersion: 'SPDX-2.3' }]) {
      expect(detectFormat(value)).toBeUndefined();
    }
  });

  it('an unrecognised document is FindingsFormatUnrecognized; a forced format that disagrees is FindingsFormatMismatch', () => {
    const e1 = caught(() => parseFindings('{"spdxVersion": "SPDX-2.3", "packages": []}', 'sbom.spdx.json'));
    expect([e1.code, e1.kind, e1.location?.file]).toEqual(['FindingsFormatUnrecognized', 'validation', 'sbom.spdx.json']);
    const e2 = caught(() => parseFindings(fixture('grype-disk.json'), 'g.json', { format: 'trivy' }));
    expect([e2.code, e2.kind]).toEqual(['FindingsFormatMismatch', 'validation']);
    const e3 = caught(() => parseFindings('{}', 'x.json', { format: 'nessus' as never }));
    expect([e3.code, e3.kind]).toEqual(['FindingsFormatUnrecognized', 'argument']);
    // a forced format parses a document too sparse to detect
    expect(parseFindings('{"matches": []}', 'g.json', { format: 'grype' }).counts.records).toBe(0);
  });
});

describe('JSON syntax errors', () => {
  it('the malformed fixture reports file, line and column of the error', () => {
    const e = caught(() => readFindingsFile(fixturePath('malformed-trivy.json')));
    expect(e.code).toBe('FindingsJsonSyntax');
    expect(e.kind).toBe('validation');
    // the trailing comma on line 12 makes the `}` at line 13, column 9 unexpected
    expect(e.location).toEqual({ file: fixturePath('malformed-trivy.json'), line: 13 });
    expect(e.target).toBe(`${fixturePath('malformed-trivy.json')}:13:9`);
    expect(e.message).toContain('line 13, column 9');
  });

  it('positions for the cases V8 words differently (short inputs, truncation, empty files, bad escapes)', () => {
    const cases: Array<[string, number, number]> = [
      ['abc', 1, 1],
      ['{"a": tru}', 1, 7],
      ['{\n  "a": [1, 2\n', 3, 1],
      ['{"a": "\\x"}', 1, 9], // the bad escape character
      ['{"a": 1} {"b": 2}', 1, 10],
      ['\n\n   ', 1, 1],
      ['{"a": "line\nbreak"}', 1, 12],
    ];
    for (const [text, line, column] of cases) {
      const e = caught(() => parseFindings(text, 't.json'));
      expect([text, e.code, e.target]).toEqual([text, 'FindingsJsonSyntax', `t.json:${line}:${column}`]);
    }
  });

  it('a deeply nested document neither overflows the stack nor hides the error position', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(99_999)}`;
    const e = caught(() => parseFindings(deep, 'deep.json'));
    expect(e.code).toBe('FindingsJsonSyntax');
    expect(e.target).toBe(`deep.json:1:${deep.length + 1}`);
  });
});

describe('readFindingsFile', () => {
  it('reads UTF-8 with a BOM and UTF-16LE (Windows PowerShell redirection)', () => {
    const text = fixture('trivy-vm.json');
    const utf8 = join(tmp, 'bom.json');
    writeFileSync(utf8, `\uFEFF${text}`, 'utf8');
    const utf16 = join(tmp, 'utf16.json');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const expected = parseFindings(text, 'x').findings.map((f) => f.id);
    expect(readFindingsFile(utf8).findings.map((f) => f.id)).toEqual(expected);
    expect(readFindingsFile(utf16).findings.map((f) => f.id)).toEqual(expected);
    expect(readFindingsFile(utf8).findings[0].source.file).toBe(utf8);
  });

  it('a missing file is FindingsFileNotFound (notFound); a directory is FindingsFileUnreadable (io)', () => {
    const e1 = caught(() => readFindingsFile(join(tmp, 'nope.json')));
    expect([e1.code, e1.kind]).toEqual(['FindingsFileNotFound', 'notFound']);
    const e2 = caught(() => readFindingsFile(tmp));
    expect([e2.code, e2.kind]).toEqual(['FindingsFileUnreadable', 'io']);
  });
});

describe('__proto__ keys', () => {
  it('change nothing: no prototype pollution, same findings as without them', () => {
    const clean = parseFindings(fixture('trivy-vm.json'), 'trivy-vm.json');
    const poisoned = fixture('trivy-vm.json')
      .replace('"SchemaVersion": 2,', '"__proto__": {"polluted": true, "SchemaVersion": 3}, "SchemaVersion": 2,')
      .replace('"VulnerabilityID": "CVE-2024-6387",', '"__proto__": {"Severity": "LOW", "remoteCodeExecution": false, "polluted": 1}, "VulnerabilityID": "CVE-2024-6387",')
      .replace('"RuleID": "private-key",', '"RuleID": "private-key", "__proto__": {"palisade:secretTarget": "evil", "isAdmin": true},');
    expect(poisoned).not.toBe(fixture('trivy-vm.json'));
    const report = parseFindings(poisoned, 'trivy-vm.json');
    expect(report).toEqual(clean);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    for (const f of report.findings) expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
  });

  it('in SARIF runs, results and property bags, and in CycloneDX components and vulnerabilities', () => {
    // JSON.stringify cannot write a __proto__ key from an object literal, so these documents are written as text
    const sarif = `{"version": "2.1.0", "runs": [{
      "__proto__": {"properties": {"resourceId": "/subscriptions/x/resourceGroups/y/providers/A.B/c/evil"}},
      "tool": {"driver": {"name": "t", "rules": [{"id": "CVE-2021-44228", "__proto__": {"properties": {"tags": ["secret"]}}}]}},
      "properties": {"__proto__": {"resourceId": "/subscriptions/x/resourceGroups/y/providers/A.B/c/evil"}, "resourceId": "${VM_WEB}"},
      "results": [{"__proto__": {"kind": "pass", "ruleId": "x"}, "ruleId": "CVE-2021-44228"}]}]}`;
    const s = parseFindings(sarif, 's.sarif');
    expect(s.findings.map((f) => [f.kind, f.id, f.resourceId])).toEqual([['vulnerability', 'CVE-2021-44228', VM_WEB]]);

    const cdx = `{"bomFormat": "CycloneDX", "specVersion": "1.5",
      "metadata": {"component": {"type": "application", "name": "a", "properties": [{"name": "azure:resourceId", "value": "${VM_WEB}"}],
                                 "__proto__": {"type": "container", "name": "evil.azurecr.io/x:1"}}},
      "components": [{"bom-ref": "c1", "name": "openssl", "version": "3.0.2", "__proto__": {"name": "evil"}}],
      "vulnerabilities": [{"id": "CVE-2024-2511", "__proto__": {"analysis": {"state": "not_affected"}},
                           "affects": [{"ref": "c1"}], "ratings": [{"severity": "low"}]}]}`;
    const c = parseFindings(cdx, 'c.cdx.json');
    expect(c.findings.map((f) => [f.resourceId, f.packageName, f.suppressed ?? false, f.image])).toEqual([[VM_WEB, 'openssl', false, undefined]]);
    expect(({} as Record<string, unknown>).kind).toBeUndefined();
    expect(({} as Record<string, unknown>).analysis).toBeUndefined();
  });
});
