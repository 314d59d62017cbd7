/**
 * Container image references and the image "resource id" convention. ARM has no resource for an image, so Palisade
 * names one below its registry (docs/findings.md):
 *
 *   {registryId}/repositories/{repository}/tags/{tag}        contoso.azurecr.io/payments/api:1.4.2
 *   {registryId}/repositories/{repository}/digests/{digest}  contoso.azurecr.io/payments/api@sha256:...
 *
 * A `/` inside the repository is written `%2F` so the id keeps ARM's type/name pairs and parses as a ResourceId.
 */

export interface ImageRef {
  /** Registry host (lower case), `docker.io` when the reference names none. */
  registry: string;
  /** Repository path (lower case as the grammar requires), e.g. `payments/api`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** The reference as the scanner wrote it (transport prefix dropped). */
  reference: string;
}

const TRANSPORT = /^(?:docker|podman|registry|containerd|docker-daemon|oci-registry):(?:\/\/)?/i;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Parses `registry/repo[:tag][@digest]` (Docker's reference grammar); undefined when it is not one. */
export function parseImageRef(input: string): ImageRef | undefined {
  const reference = input.trim().replace(TRANSPORT, '');
  if (reference === '' || /\s/.test(reference) || reference.startsWith('/')) return undefined;
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first.toLowerCase();
    parts.shift();
  }
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) return undefined;
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return { registry, repository: parts.join('/'), ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}), reference };
}

/** `contoso.azurecr.io` (and the sovereign clouds' `.azurecr.cn`, `.azurecr.us`). */
export function isAcrLoginServer(host: string): boolean {
  return /^[a-z0-9][a-z0-9-]*\.azurecr\.(?:io|cn|us)$/i.test(host);
}

/** The image id under a registry id; a reference with neither tag nor digest means `latest`, as in Docker. */
export function imageResourceId(registryId: string, image: ImageRef): string {
  const base = `${registryId.replace(/\/+$/, '')}/repositories/${image.repository.replace(/\//g, '%2F')}`;
  if (image.tag !== undefined) return `${base}/tags/${image.tag}`;
  if (image.digest !== undefined) return `${base}/digests/${image.digest}`;
  return `${base}/tags/latest`;
}

/** For an image id of the convention, the registry's id; undefined for any other id. */
export function registryOfImageId(id: string): string | undefined {
  const m = /^(.*\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+)\/repositories\/[^/]+\/(?:tags|digests)\/[^/]+$/i.exec(id);
  return m ? m[1] : undefined;
}

/** Of several candidate references, the best: the first that names an Azure Container Registry, else the first that parses. */
export function pickImageRef(candidates: ReadonlyArray<string | undefined>): ImageRef | undefined {
  let fallback: ImageRef | undefined;
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const ref = parseImageRef(c);
    if (ref === undefined) continue;
    if (isAcrLoginServer(ref.registry)) return ref;
    fallback ??= ref;
  }
  return fallback;
}
