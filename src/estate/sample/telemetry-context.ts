/** Shared state of one sample-telemetry run: the seed, the files being built, the host-file index, profiles. */
import { Rng } from './prng.js';
import { TelemetryFileSet } from './telemetry-files.js';
import type { TelemetryResource } from './telemetry-inventory.js';
import { profileOf, type DirectoryPrincipal, type Profile } from './telemetry-profiles.js';

export class SampleTelemetryContext {
  readonly files = new TelemetryFileSet();
  /** file stem → resource id, written as index.json (host logs and Kubernetes audit name no resource) */
  readonly index = new Map<string, string>();
  private readonly profiles = new Map<string, Profile>();
  private serial = 7_000;

  constructor(
    readonly seed: string,
    readonly tenantId: string,
    readonly directory: readonly DirectoryPrincipal[],
  ) {}

  rng(...label: string[]): Rng {
    return new Rng(this.seed, 'telemetry', ...label);
  }

  profile(resource: TelemetryResource): Profile {
    let p = this.profiles.get(resource.id);
    if (p === undefined) this.profiles.set(resource.id, (p = profileOf(this.seed, resource, this.directory)));
    return p;
  }

  /** The file stem for a resource: its name and the first block of its subscription id (names repeat across subscriptions). */
  stem(resource: TelemetryResource, suffix = ''): string {
    return `${resource.name}-${resource.subscriptionId.slice(0, 8)}${suffix}`;
  }

  /** Registers a host or cluster file's resource in the index; returns the file path. */
  hostFile(folder: string, stem: string, extension: string, resource: TelemetryResource): string {
    this.index.set(stem, resource.id);
    return `${folder}/${stem}${extension}`;
  }

  /** auditd event serials: increasing over the whole run (each host's log is in time order). */
  nextSerial(): number {
    return ++this.serial;
  }
}
