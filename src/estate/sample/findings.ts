/**
 * Sample scanner output for the sample estate: what the agentless scanner would have written for some VMs and
 * container images, in the four formats `palisade findings import` reads (Trivy JSON, Grype JSON, SARIF 2.1.0,
 * CycloneDX 1.5). Deterministic: the same targets, base time and seed give byte-identical files. The estate module may
 * not import `findings`, so the documents are built by hand here, to the formats' real field names.
 *
 * How each file names its resource (docs/findings.md, "Resource mapping"):
 *   trivy      VM: ArtifactName = the VM id                     image: ArtifactName = the image reference
 *   grype      VM: source.metadata["azure:resourceId"]          image: source.target.userInput = the image reference
 *   sarif      VM: runs[].properties.resourceId                 image: runs[].properties.imageName
 *   cyclonedx  VM: metadata.component.properties azure:resourceId (image: the same, plus the image as the component)
 * Image references resolve through the registry lookup to `{registryId}/repositories/{repo}/tags/{tag}`, so an image
 * target's `resourceId` must follow that convention (`sampleImageResourceId` builds it).
 * Grype and CycloneDX carry no secrets: a target with secrets in one of them gets a companion secrets file (SARIF for
 * Grype, Trivy JSON for CycloneDX), as a pipeline running a second scanner would produce.
 */
import { hashString, Rng } from './prng.js';

export interface SampleFindingTarget {
  resourceId: string;
  kind: 'vm' | 'image';
  /** For images: `<registry>.azurecr.io/<repo>:<tag>`. */
  image?: string;
  name: string;
  /** Give the target the critical, remotely exploitable CVEs (else only low / medium ones). */
  highSeverity: boolean;
  secrets?: Array<{ type: 'sshPrivateKey' | 'storageConnectionString' | 'sqlConnectionString'; targetResourceId: string; targetName: string }>;
}

export type SampleFindingFormat = 'trivy' | 'grype' | 'sarif' | 'cyclonedx';

export interface SampleFindingFile {
  /** Relative path, e.g. `findings/trivy-vm-vm-web-01.json`. */
  file: string;
  format: SampleFindingFormat;
  text: string;
}

const FORMATS: readonly SampleFindingFormat[] = ['trivy', 'grype', 'sarif', 'cyclonedx'];
const EXTENSION: Record<SampleFindingFormat, string> = { trivy: 'json', grype: 'json', sarif: 'sarif', cyclonedx: 'cdx.json' };

/**
 * The image id convention of docs/findings.md: `{registryId}/repositories/{repo}/tags/{tag}` (`/` in the repository
 * written `%2F`; a digest-only reference gives `/digests/{digest}`; no tag means `latest`).
 */
export function sampleImageResourceId(registryId: string, image: string): string {
  const { repository, tag, digest } = splitImage(image);
  const base = `${registryId.replace(/\/+$/, '')}/repositories/${repository.replace(/\//g, '%2F')}`;
  if (tag !== undefined) return `${base}/tags/${tag}`;
  if (digest !== undefined) return `${base}/digests/${digest}`;
  return `${base}/tags/latest`;
}

function splitImage(image: string): { registry: string; repository: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.indexOf(':', rest.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  return { registry: rest.slice(0, slash), repository: rest.slice(slash + 1), tag, digest };
}

// ---------------------------------------------------------------------------------------------------------------
// The vulnerabilities the sample uses: real CVEs with their real packages, fixed versions and CVSS data. Titles are
// the distributions' tracker titles; descriptions are in our own words.

type Severity = 'Critical' | 'High' | 'Medium' | 'Low';

interface VulnSpec {
  id: string;
  ecosystem: 'ubuntu' | 'debian' | 'maven';
  pkg: string;
  group?: string;
  installed: string;
  fixed?: string;
  severity: Severity;
  score?: number;
  vector?: string;
  cwes: number[];
  title: string;
  description: string;
  published: string;
  /** Tag the CVE as Defender does: it gives remote code execution. */
  rce: boolean;
}

const VM_HIGH: readonly VulnSpec[] = [
  {
    id: 'CVE-2024-6387',
    ecosystem: 'ubuntu',
    pkg: 'openssh-server',
    installed: '1:8.9p1-3ubuntu0.6',
    fixed: '1:8.9p1-3ubuntu0.10',
    severity: 'Critical',
    score: 8.1,
    vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cwes: [364],
    title: "openssh: regreSSHion - race condition in sshd's SIGALRM handler",
    description:
      "A signal handler race condition in OpenSSH's server (sshd) on glibc-based Linux lets an unauthenticated remote attacker achieve remote code execution as root (regreSSHion, a regression of CVE-2006-5051).",
    published: '2024-07-01T13:15:10Z',
    rce: true,
  },
  {
    id: 'CVE-2023-38408',
    ecosystem: 'ubuntu',
    pkg: 'openssh-client',
    installed: '1:8.9p1-3ubuntu0.1',
    fixed: '1:8.9p1-3ubuntu0.3',
    severity: 'Critical',
    score: 9.8,
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cwes: [428],
    title: 'openssh: Remote code execution in ssh-agent PKCS#11 support',
    description:
      'The PKCS#11 support of ssh-agent in OpenSSH before 9.3p2 loads libraries from an insufficiently trusted search path, leading to remote code execution when the agent is forwarded to a system the attacker controls.',
    published: '2023-07-20T03:15:10Z',
    rce: true,
  },
];

const VM_OTHER: readonly VulnSpec[] = [
  {
    id: 'CVE-2016-2781',
    ecosystem: 'ubuntu',
    pkg: 'coreutils',
    installed: '8.32-4.1ubuntu1.2',
    severity: 'Low',
    score: 6.5,
    vector: 'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:C/C:N/I:H/A:N',
    cwes: [20],
    title: 'coreutils: Non-privileged session can escape to the parent session in chroot',
    description: 'chroot --userspec in GNU coreutils lets a local user push characters into the parent terminal with the TIOCSTI ioctl and so escape the session.',
    published: '2017-02-07T15:59:00Z',
    rce: false,
  },
  {
    id: 'CVE-2022-3219',
    ecosystem: 'ubuntu',
    pkg: 'gpgv',
    installed: '2.2.27-3ubuntu2.1',
    severity: 'Low',
    score: 3.3,
    vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:N/I:N/A:L',
    cwes: [787],
    title: 'gnupg: denial of service issue (resource consumption) using compressed packets',
    description: 'A public key carrying thousands of signatures, compressed to a few kilobytes, keeps GnuPG busy for a long time: a local denial of service.',
    published: '2023-02-23T20:15:12Z',
    rce: false,
  },
  {
    id: 'CVE-2023-29383',
    ecosystem: 'ubuntu',
    pkg: 'passwd',
    installed: '1:4.8.1-2ubuntu2.1',
    fixed: '1:4.8.1-2ubuntu2.2',
    severity: 'Low',
    score: 3.3,
    vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:L/A:N',
    cwes: [74],
    title: 'shadow: Improper input validation in shadow-utils package utility chfn',
    description: 'chfn in shadow-utils accepts control characters in the fields it writes to /etc/passwd, so a local user can make the file misleading to administrators.',
    published: '2023-04-14T22:15:07Z',
    rce: false,
  },
  {
    id: 'CVE-2024-2511',
    ecosystem: 'ubuntu',
    pkg: 'libssl3',
    installed: '3.0.2-0ubuntu1.15',
    fixed: '3.0.2-0ubuntu1.16',
    severity: 'Low',
    cwes: [1325],
    title: 'openssl: Unbounded memory growth with session handling in TLSv1.3',
    description: 'Some non-default TLS server configurations let session data grow without bound while processing TLSv1.3 sessions, which can exhaust memory.',
    published: '2024-04-08T14:15:07Z',
    rce: false,
  },
];

const IMAGE_HIGH: readonly VulnSpec[] = [
  {
    id: 'CVE-2021-44228',
    ecosystem: 'maven',
    pkg: 'log4j-core',
    group: 'org.apache.logging.log4j',
    installed: '2.14.1',
    fixed: '2.15.0',
    severity: 'Critical',
    score: 10,
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    cwes: [502, 400, 20, 917],
    title: 'log4j-core: Remote code execution in Log4j 2.x when logs contain an attacker-controlled string value',
    description:
      'Log4j 2 resolves JNDI lookups inside logged messages, so an attacker who controls a logged string can make the application load and run code from an LDAP server: remote code execution (Log4Shell).',
    published: '2021-12-10T10:15:09Z',
    rce: true,
  },
  {
    id: 'CVE-2022-22965',
    ecosystem: 'maven',
    pkg: 'spring-beans',
    group: 'org.springframework',
    installed: '5.3.17',
    fixed: '5.3.18',
    severity: 'Critical',
    score: 9.8,
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cwes: [94],
    title: 'spring-framework: RCE via Data Binding on JDK 9+',
    description: 'A Spring MVC or Spring WebFlux application on JDK 9 or later can be driven to remote code execution through request data binding (Spring4Shell).',
    published: '2022-04-01T23:15:13Z',
    rce: true,
  },
];

const IMAGE_OTHER: readonly VulnSpec[] = [
  {
    id: 'CVE-2023-26049',
    ecosystem: 'maven',
    pkg: 'jetty-server',
    group: 'org.eclipse.jetty',
    installed: '9.4.50.v20221201',
    fixed: '9.4.51.v20230217',
    severity: 'Medium',
    score: 5.3,
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N',
    cwes: [],
    title: 'jetty: Cookie parsing of quoted values can exfiltrate values from other cookies',
    description: "Jetty's non-standard parsing of quoted cookie values lets an attacker smuggle one cookie inside another and read values it should not see.",
    published: '2023-04-18T21:15:09Z',
    rce: false,
  },
  {
    id: 'CVE-2020-8908',
    ecosystem: 'maven',
    pkg: 'guava',
    group: 'com.google.guava',
    installed: '29.0-jre',
    fixed: '30.0',
    severity: 'Low',
    score: 3.3,
    vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N',
    cwes: [732],
    title: 'guava: local information disclosure via temporary directory created with unsafe permissions',
    description: 'Files.createTempDir() in Guava creates its directory with default permissions, so other local users can read what the application writes there.',
    published: '2020-12-10T23:15:12Z',
    rce: false,
  },
  {
    id: 'CVE-2024-2511',
    ecosystem: 'debian',
    pkg: 'libssl3',
    installed: '3.0.11-1~deb12u2',
    fixed: '3.0.13-1~deb12u1',
    severity: 'Low',
    cwes: [1325],
    title: 'openssl: Unbounded memory growth with session handling in TLSv1.3',
    description: 'Some non-default TLS server configurations let session data grow without bound while processing TLSv1.3 sessions, which can exhaust memory.',
    published: '2024-04-08T14:15:07Z',
    rce: false,
  },
  {
    id: 'CVE-2023-4039',
    ecosystem: 'debian',
    pkg: 'libgcc-s1',
    installed: '12.2.0-14',
    severity: 'Medium',
    score: 4.8,
    vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N',
    cwes: [693],
    title: 'gcc: -fstack-protector fails to guard dynamic stack allocations on ARM64',
    description: 'On AArch64, the stack protector of GCC does not cover dynamically sized stack allocations, so overflows of those buffers go undetected.',
    published: '2023-09-13T09:15:15Z',
    rce: false,
  },
];

// ---------------------------------------------------------------------------------------------------------------

interface SecretSpec {
  ruleId: string;
  category: string;
  title: string;
  severity: Severity;
  path: string;
  line: number;
  /** The matched line as a scanner prints it: the secret itself masked. */
  match: string;
  /** Set for SSH keys, whose text names no target: the resource the key opens. */
  explicitTarget?: string;
}

function secretSpec(kind: 'vm' | 'image', s: NonNullable<SampleFindingTarget['secrets']>[number], rng: Rng): SecretSpec {
  const home = kind === 'vm' ? '/home/azureuser' : '/root';
  switch (s.type) {
    case 'sshPrivateKey':
      return {
        ruleId: 'private-key',
        category: 'AsymmetricPrivateKey',
        title: 'Asymmetric Private Key',
        severity: 'High',
        path: `${home}/.ssh/${rng.pick(['id_rsa', 'id_ed25519', `deploy_${s.targetName}`])}`,
        line: 1,
        match: '-----BEGIN OPENSSH PRIVATE KEY-----****************************************-----END OPENSSH PRIVATE KEY',
        explicitTarget: s.targetResourceId,
      };
    case 'storageConnectionString':
      return {
        ruleId: 'azure-storage-connection-string',
        category: 'Azure',
        title: 'Azure Storage Connection String',
        severity: 'Critical',
        path: rng.pick(['/opt/app/.env', '/etc/app/exporter.env', '/srv/app/.env.production']),
        line: rng.int(2, 40),
        match: `AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=${s.targetName};AccountKey=****************************************************************************************;EndpointSuffix=core.windows.net`,
      };
    case 'sqlConnectionString':
      return {
        ruleId: 'azure-sql-connection-string',
        category: 'Azure',
        title: 'Azure SQL Connection String',
        severity: 'Critical',
        path: rng.pick(['/srv/app/appsettings.json', '/opt/app/config/database.json', '/srv/app/appsettings.Production.json']),
        line: rng.int(2, 40),
        match: `  "Default": "Server=tcp:${s.targetName}.database.windows.net,1433;Initial Catalog=appdb;User ID=appadmin;Password=********;Encrypt=True;Connection Timeout=30;"`,
      };
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface Scan {
  target: SampleFindingTarget;
  vulns: VulnSpec[];
  secrets: SecretSpec[];
  /** When the scan ran. */
  time: string;
  rng: Rng;
  /** For the CycloneDX output: VEX not_affected on these vulnerability ids. */
  vex: Set<string>;
}

export function sampleFindingFiles(targets: SampleFindingTarget[], baseTime: string, rngSeed: string): SampleFindingFile[] {
  const base = Date.parse(baseTime);
  if (!Number.isFinite(base)) throw new Error(`sampleFindingFiles: baseTime '${baseTime}' is not an ISO timestamp`);
  const offset = hashString(`${rngSeed}\u0000findings`)[0] % FORMATS.length;
  const used = new Set<string>();
  const out: SampleFindingFile[] = [];
  targets.forEach((target, i) => {
    const rng = new Rng(rngSeed, 'findings', target.resourceId.toLowerCase());
    const scan = planScan(target, base, rng);
    const format = FORMATS[(offset + i) % FORMATS.length];
    const stem = uniqueStem(`${target.kind}-${safeName(target.name)}`, target.resourceId, used);
    out.push({ file: `findings/${format}-${stem}.${EXTENSION[format]}`, format, text: render(format, scan, true) });
    if (scan.secrets.length > 0 && (format === 'grype' || format === 'cyclonedx')) {
      const companion: SampleFindingFormat = format === 'grype' ? 'sarif' : 'trivy';
      out.push({ file: `findings/${companion}-${stem}-secrets.${EXTENSION[companion]}`, format: companion, text: render(companion, { ...scan, vulns: [] }, false) });
    }
  });
  return out;
}

function planScan(target: SampleFindingTarget, base: number, rng: Rng): Scan {
  const image = target.kind === 'image';
  const high = image ? IMAGE_HIGH : VM_HIGH;
  const other = image ? IMAGE_OTHER : VM_OTHER;
  const vulns: VulnSpec[] = [];
  if (target.highSeverity) vulns.push(...high, ...rng.sample(other, rng.int(1, 2)));
  else vulns.push(...rng.sample(other, rng.int(2, 3)));
  const secrets = (target.secrets ?? []).map((s) => secretSpec(target.kind, s, rng));
  const time = new Date(base - rng.int(1, 72) * 3_600_000 - rng.int(0, 3_599) * 1000).toISOString();
  const vex = new Set<string>();
  for (const v of vulns) if (v.severity === 'Low' && rng.chance(0.3)) vex.add(v.id);
  return { target, vulns, secrets, time, rng, vex };
}

function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'target' : s;
}

/** The stem, or (when another target has it: same names in other resource groups) the stem with a hash of the id. */
function uniqueStem(stem: string, resourceId: string, used: Set<string>): string {
  const suffix = hashString(resourceId.toLowerCase())[1].toString(16).padStart(8, '0').slice(0, 6);
  let out = stem;
  for (let n = 1; used.has(out.toLowerCase()); n++) out = n === 1 ? `${stem}-${suffix}` : `${stem}-${suffix}-${n}`;
  used.add(out.toLowerCase());
  return out;
}

function render(format: SampleFindingFormat, scan: Scan, withVulns: boolean): string {
  const doc = format === 'trivy' ? trivy(scan) : format === 'grype' ? grype(scan) : format === 'sarif' ? sarif(scan, withVulns) : cyclonedx(scan);
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The image reference of an image target, when it has one. */
function imageOf(target: SampleFindingTarget): string | undefined {
  return target.kind === 'image' && target.image !== undefined && target.image.includes('/') ? target.image : undefined;
}

function digestOf(scan: Scan, salt: string): string {
  const h = hashString(`${scan.target.resourceId.toLowerCase()}\u0000${salt}`);
  const h2 = hashString(`${salt}\u0000${scan.target.resourceId.toLowerCase()}`);
  return `sha256:${[...h, ...h2].map((w) => w.toString(16).padStart(8, '0')).join('')}`;
}

function osOf(scan: Scan): { family: string; name: string } {
  return scan.target.kind === 'image' ? { family: 'debian', name: '12.5' } : { family: 'ubuntu', name: '22.04' };
}

function purl(v: VulnSpec): string {
  if (v.ecosystem === 'maven') return `pkg:maven/${v.group}/${v.pkg}@${v.installed}`;
  const distro = v.ecosystem === 'ubuntu' ? 'ubuntu-22.04' : 'debian-12.5';
  return `pkg:deb/${v.ecosystem}/${v.pkg}@${encodeURIComponent(v.installed)}?arch=amd64&distro=${distro}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Trivy JSON

function trivy(scan: Scan): unknown {
  const { target } = scan;
  const image = imageOf(target);
  const os = osOf(scan);
  const doc: Record<string, unknown> = {
    SchemaVersion: 2,
    CreatedAt: scan.time,
    ArtifactName: image ?? target.resourceId,
    ArtifactType: image ? 'container_image' : 'vm',
    Metadata: image
      ? {
          OS: { Family: os.family, Name: os.name },
          ImageID: digestOf(scan, 'config'),
          DiffIDs: [digestOf(scan, 'layer0'), digestOf(scan, 'layer1')],
          RepoTags: [image],
          RepoDigests: [`${image.replace(/:[^/:]+$/, '')}@${digestOf(scan, 'manifest')}`],
        }
      : { OS: { Family: os.family, Name: os.name } },
  };
  const results: unknown[] = [];
  const osVulns = scan.vulns.filter((v) => v.ecosystem !== 'maven');
  const jarVulns = scan.vulns.filter((v) => v.ecosystem === 'maven');
  if (scan.vulns.length > 0 || scan.secrets.length === 0) {
    results.push({
      Target: `${image ?? target.name} (${os.family} ${os.name})`,
      Class: 'os-pkgs',
      Type: os.family,
      ...(osVulns.length > 0 ? { Vulnerabilities: osVulns.map((v) => trivyVuln(v, os.family)) } : {}),
    });
  }
  if (jarVulns.length > 0) results.push({ Target: 'Java', Class: 'lang-pkgs', Type: 'jar', Vulnerabilities: jarVulns.map((v) => trivyVuln(v, 'ghsa')) });
  for (const s of scan.secrets) {
    results.push({
      Target: s.path,
      Class: 'secret',
      Secrets: [
        {
          RuleID: s.ruleId,
          Category: s.category,
          Severity: s.severity.toUpperCase(),
          Title: s.title,
          StartLine: s.line,
          EndLine: s.line,
          Code: { Lines: [{ Number: s.line, Content: s.match, IsCause: true, Annotation: '', Truncated: false, FirstCause: true, LastCause: true }] },
          Match: s.match,
          ...(s.explicitTarget !== undefined ? { 'palisade:secretTarget': s.explicitTarget } : {}),
        },
      ],
    });
  }
  doc.Results = results;
  return doc;
}

function trivyVuln(v: VulnSpec, source: string): unknown {
  return {
    VulnerabilityID: v.id,
    PkgID: v.ecosystem === 'maven' ? `${v.group}:${v.pkg}:${v.installed}` : `${v.pkg}@${v.installed}`,
    PkgName: v.ecosystem === 'maven' ? `${v.group}:${v.pkg}` : v.pkg,
    ...(v.ecosystem === 'maven' ? { PkgPath: `app/lib/${v.pkg}-${v.installed}.jar` } : {}),
    InstalledVersion: v.installed,
    ...(v.fixed !== undefined ? { FixedVersion: v.fixed } : {}),
    Status: v.fixed !== undefined ? 'fixed' : 'affected',
    SeveritySource: source,
    PrimaryURL: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
    Title: v.title,
    Description: v.description,
    Severity: v.severity.toUpperCase(),
    CweIDs: v.cwes.map((c) => `CWE-${c}`),
    ...(v.score !== undefined ? { CVSS: { nvd: { V3Vector: v.vector, V3Score: v.score } } } : {}),
    PublishedDate: v.published,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Grype JSON

function grype(scan: Scan): unknown {
  const { target, rng } = scan;
  const image = imageOf(target);
  const os = osOf(scan);
  const source = image
    ? {
        type: 'image',
        target: {
          userInput: image,
          imageID: digestOf(scan, 'config'),
          manifestDigest: digestOf(scan, 'manifest'),
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          tags: [image],
          imageSize: rng.int(80, 900) * 1_048_576,
          layers: [],
          repoDigests: [`${image.replace(/:[^/:]+$/, '')}@${digestOf(scan, 'manifest')}`],
          architecture: 'amd64',
          os: 'linux',
        },
      }
    : {
        type: 'directory',
        target: `/mnt/palisade/snapshots/${safeName(target.name)}`,
        metadata: { path: `/mnt/palisade/snapshots/${safeName(target.name)}`, 'azure:resourceId': target.resourceId },
      };
  return {
    matches: scan.vulns.map((v) => {
      const namespace = v.ecosystem === 'maven' ? 'github:language:java' : `${v.ecosystem}:distro:${os.family}:${os.family === 'ubuntu' ? '22.04' : '12'}`;
      return {
        vulnerability: {
          id: v.id,
          dataSource: `https://nvd.nist.gov/vuln/detail/${v.id}`,
          namespace,
          severity: v.severity,
          urls: [`https://nvd.nist.gov/vuln/detail/${v.id}`],
          description: v.description,
          cvss:
            v.score !== undefined
              ? [{ source: 'nvd@nist.gov', type: 'Primary', version: '3.1', vector: v.vector, metrics: { baseScore: v.score }, vendorMetadata: {} }]
              : [],
          fix: { versions: v.fixed !== undefined ? [v.fixed] : [], state: v.fixed !== undefined ? 'fixed' : 'not-fixed' },
          advisories: [],
        },
        relatedVulnerabilities: [],
        matchDetails: [
          {
            type: 'exact-direct-match',
            matcher: v.ecosystem === 'maven' ? 'java-matcher' : 'dpkg-matcher',
            searchedBy: { namespace, package: { name: v.pkg, version: v.installed } },
            found: { vulnerabilityID: v.id, versionConstraint: v.fixed !== undefined ? `< ${v.fixed} (${v.ecosystem === 'maven' ? 'unknown' : 'deb'})` : 'none (deb)' },
          },
        ],
        artifact: {
          id: rng.hex(16),
          name: v.pkg,
          version: v.installed,
          type: v.ecosystem === 'maven' ? 'java-archive' : 'deb',
          locations: [{ path: v.ecosystem === 'maven' ? `/app/lib/${v.pkg}-${v.installed}.jar` : '/var/lib/dpkg/status' }],
          language: v.ecosystem === 'maven' ? 'java' : '',
          licenses: [],
          cpes: [],
          purl: purl(v),
          upstreams: [],
        },
      };
    }),
    source,
    distro: { name: os.family, version: os.family === 'ubuntu' ? '22.04' : '12', idLike: os.family === 'ubuntu' ? ['debian'] : [] },
    descriptor: { name: 'grype', version: '0.79.1', timestamp: scan.time },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SARIF 2.1.0, as Trivy writes it

function sarifScore(v: { severity: Severity; score?: number }): string {
  if (v.score !== undefined) return v.score.toFixed(1);
  return { Critical: '9.5', High: '8.0', Medium: '5.5', Low: '2.0' }[v.severity];
}

function sarifLevel(severity: Severity): string {
  return severity === 'Critical' || severity === 'High' ? 'error' : severity === 'Medium' ? 'warning' : 'note';
}

function sarif(scan: Scan, withVulns: boolean): unknown {
  const { target } = scan;
  const image = imageOf(target);
  const vulns = withVulns ? scan.vulns : [];
  const rules: unknown[] = [];
  const results: unknown[] = [];
  const ruleIndex = new Map<string, number>();
  const rule = (id: string, make: () => unknown): number => {
    let index = ruleIndex.get(id);
    if (index === undefined) {
      index = rules.length;
      rules.push(make());
      ruleIndex.set(id, index);
    }
    return index;
  };
  const artifact = image ?? target.name;
  for (const v of vulns) {
    const index = rule(v.id, () => ({
      id: v.id,
      name: v.ecosystem === 'maven' ? 'LanguageSpecificPackageVulnerability' : 'OsPackageVulnerability',
      shortDescription: { text: v.title },
      fullDescription: { text: v.description },
      defaultConfiguration: { level: sarifLevel(v.severity) },
      helpUri: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
      help: { text: `Vulnerability ${v.id}\nSeverity: ${v.severity.toUpperCase()}\nPackage: ${v.pkg}\nFixed Version: ${v.fixed ?? ''}\nLink: [${v.id}](https://avd.aquasec.com/nvd/${v.id.toLowerCase()})` },
      properties: { precision: 'very-high', 'security-severity': sarifScore(v), tags: ['vulnerability', 'security', v.severity.toUpperCase()] },
    }));
    results.push({
      ruleId: v.id,
      ruleIndex: index,
      level: sarifLevel(v.severity),
      message: {
        text: `Package: ${v.pkg}\nInstalled Version: ${v.installed}\nVulnerability ${v.id}\nSeverity: ${v.severity.toUpperCase()}\nFixed Version: ${v.fixed ?? ''}\nLink: [${v.id}](https://avd.aquasec.com/nvd/${v.id.toLowerCase()})`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: v.ecosystem === 'maven' ? `app/lib/${v.pkg}-${v.installed}.jar` : artifact, uriBaseId: 'ROOTPATH' },
            region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
          },
          message: { text: `${artifact}: ${v.pkg}@${v.installed}` },
        },
      ],
    });
  }
  for (const s of scan.secrets) {
    const index = rule(s.ruleId, () => ({
      id: s.ruleId,
      name: 'Secret',
      shortDescription: { text: s.title },
      fullDescription: { text: s.title },
      defaultConfiguration: { level: sarifLevel(s.severity) },
      properties: { precision: 'very-high', 'security-severity': sarifScore(s), tags: ['secret', 'security', s.severity.toUpperCase()] },
    }));
    results.push({
      ruleId: s.ruleId,
      ruleIndex: index,
      level: sarifLevel(s.severity),
      message: { text: `Artifact: ${s.path}\nType: \nSecret ${s.title}\nSeverity: ${s.severity.toUpperCase()}\nMatch: ${s.match}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: s.path.replace(/^\//, ''), uriBaseId: 'ROOTPATH' },
            region: { startLine: s.line, startColumn: 1, endLine: s.line, endColumn: s.match.length + 1, snippet: { text: s.match } },
          },
        },
      ],
      ...(s.explicitTarget !== undefined ? { properties: { 'palisade:secretTarget': s.explicitTarget } } : {}),
    });
  }
  const properties: Record<string, unknown> = image
    ? { imageName: image, repoTags: [image], repoDigests: [`${image.replace(/:[^/:]+$/, '')}@${digestOf(scan, 'manifest')}`] }
    : { resourceId: target.resourceId };
  return {
    version: '2.1.0',
    $schema: 'https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json',
    runs: [
      {
        tool: { driver: { fullName: 'Trivy Vulnerability Scanner', informationUri: 'https://github.com/aquasecurity/trivy', name: 'Trivy', rules, version: '0.53.0' } },
        results,
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { ROOTPATH: { uri: 'file:///' } },
        invocations: [{ executionSuccessful: true, endTimeUtc: scan.time }],
        properties,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CycloneDX 1.5, as Trivy writes it

function cyclonedx(scan: Scan): unknown {
  const { target, rng } = scan;
  const image = imageOf(target);
  const os = osOf(scan);
  const resourceProperty = { name: 'azure:resourceId', value: target.resourceId };
  const main = image
    ? {
        'bom-ref': `pkg:oci/${image.replace(/^.*\//, '').replace(/:.*$/, '')}@${encodeURIComponent(digestOf(scan, 'manifest'))}`,
        type: 'container',
        name: image,
        properties: [
          resourceProperty,
          { name: 'aquasecurity:trivy:ImageID', value: digestOf(scan, 'config') },
          { name: 'aquasecurity:trivy:RepoTag', value: image },
          { name: 'aquasecurity:trivy:SchemaVersion', value: '2' },
        ],
      }
    : { 'bom-ref': rng.guid(), type: 'operating-system', name: os.family, version: os.name, properties: [resourceProperty] };
  const components = scan.vulns
    .filter((v, i, all) => all.findIndex((w) => purl(w) === purl(v)) === i)
    .map((v) => ({
      'bom-ref': purl(v),
      type: 'library',
      ...(v.group !== undefined ? { group: v.group } : {}),
      name: v.pkg,
      version: v.installed,
      purl: purl(v),
    }));
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${rng.guid()}`,
    version: 1,
    metadata: {
      timestamp: scan.time,
      tools: { components: [{ type: 'application', group: 'aquasecurity', name: 'trivy', version: '0.53.0' }] },
      component: main,
    },
    components,
    vulnerabilities: scan.vulns.map((v) => ({
      id: v.id,
      source: { name: v.ecosystem === 'maven' ? 'ghsa' : v.ecosystem, url: `https://nvd.nist.gov/vuln/detail/${v.id}` },
      ratings: [
        {
          source: { name: 'nvd' },
          ...(v.score !== undefined ? { score: v.score } : {}),
          severity: v.severity.toLowerCase(),
          ...(v.score !== undefined ? { method: 'CVSSv31', vector: v.vector } : {}),
        },
      ],
      cwes: v.cwes,
      description: v.description,
      ...(v.fixed !== undefined ? { recommendation: `Upgrade ${v.pkg} to version ${v.fixed}` } : {}),
      advisories: [{ url: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}` }],
      published: v.published,
      affects: [{ ref: purl(v), versions: [{ version: v.installed, status: 'affected' }] }],
      ...(scan.vex.has(v.id)
        ? { analysis: { state: 'not_affected', justification: 'code_not_reachable', detail: 'The affected code path is not used by this workload.' } }
        : {}),
    })),
  };
}
