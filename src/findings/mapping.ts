/**
 * Which Azure resource a scanner record is about (docs/findings.md, "Resource mapping"), in order:
 *  (a) the resource id the user gave for the whole file (`ImportOptions.resourceId`);
 *  (b) an Azure resource id the file itself carries (record-level first, then file-level);
 *  (c) a container image reference on an Azure Container Registry, through `registryByLoginServer`,
 *      giving the image id `{registryId}/repositories/{repo}/tags/{tag}`.
 * A record none of these maps is reported as unmapped with the reason, never fatal.
 */
import { PalisadeError, ResourceId } from '../core/index.js';
import { imageResourceId, isAcrLoginServer, parseImageRef } from './image-ref.js';
import { isObject, own, type JsonObject } from './reader.js';
import type { ImportOptions } from './types.js';

/** What the file says about the resource of a record. */
export interface ResourceHint {
  /** A string starting with `/subscriptions/`, and where it was found (for messages). */
  resourceId?: { value: string; where: string };
  /** An image reference, and where it was found. */
  image?: { value: string; where: string };
}

export type Resolution = { resourceId: string; image?: string } | { reason: string };

/** Property names that carry an Azure resource id in property bags (compared case-insensitively). */
export const RESOURCE_ID_KEYS: readonly string[] = ['azure:resourceId', 'palisade:resourceId', 'resourceId', 'azureResourceId'];

export function looksLikeAzureId(value: unknown): value is string {
  return typeof value === 'string' && /^\s*\/subscriptions\//i.test(value);
}

/**
 * An Azure resource id in a property bag, under one of RESOURCE_ID_KEYS (any case). Only these names count: a bag can
 * hold other ids (a secret's target, say) that are not the resource the record is on.
 */
export function resourceIdInBag(bag: JsonObject | undefined, where: string): ResourceHint['resourceId'] {
  if (bag === undefined) return undefined;
  const keys = Object.keys(bag);
  for (const name of RESOURCE_ID_KEYS) {
    const key = keys.find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) continue;
    const value = own(bag, key);
    if (looksLikeAzureId(value)) return { value: value.trim(), where: `${where}.${key}` };
  }
  return undefined;
}

/** An Azure resource id in a CycloneDX-style `[{name, value}]` property list (`azure:resourceId`, `palisade:resourceId`). */
export function resourceIdInPropertyList(list: unknown, where: string): ResourceHint['resourceId'] {
  if (!Array.isArray(list)) return undefined;
  for (const name of RESOURCE_ID_KEYS) {
    for (const item of list) {
      if (!isObject(item)) continue;
      const n = own(item, 'name');
      const v = own(item, 'value');
      if (typeof n === 'string' && n.toLowerCase() === name.toLowerCase() && looksLikeAzureId(v)) {
        return { value: v.trim(), where: `${where}[name=${JSON.stringify(n)}]` };
      }
    }
  }
  return undefined;
}

/** Validates the user's `--resource-id` once, before any record is read. */
export function checkExplicitResourceId(id: string): string {
  const parsed = typeof id === 'string' ? ResourceId.tryParse(id) : 'a resource id must be a string';
  if (typeof parsed === 'string' || parsed.kind !== 'resource') {
    throw new PalisadeError(
      'FindingsInvalidResourceId',
      `--resource-id '${String(id)}' is not an Azure resource id${typeof parsed === 'string' ? `: ${parsed}` : ` (it is a ${parsed.kind})`}`,
      { kind: 'argument', target: String(id) },
    );
  }
  return parsed.id;
}

/** Resolves hints to resource ids, asking the registry lookup once per login server. */
export class ResourceMapper {
  private readonly explicit?: string;
  private readonly registries = new Map<string, string | undefined>();

  constructor(private readonly options: ImportOptions) {
    if (options.resourceId !== undefined) this.explicit = checkExplicitResourceId(options.resourceId);
  }

  resolve(hint: ResourceHint): Resolution {
    const image = hint.image === undefined ? undefined : (parseImageRef(hint.image.value)?.reference ?? hint.image.value);
    const withImage = (resourceId: string): Resolution => (image !== undefined ? { resourceId, image } : { resourceId });
    if (this.explicit !== undefined) return withImage(this.explicit);

    let reason: string | undefined;
    if (hint.resourceId !== undefined) {
      const parsed = ResourceId.tryParse(hint.resourceId.value);
      if (typeof parsed !== 'string' && parsed.kind === 'resource') return withImage(parsed.id);
      reason = `${hint.resourceId.where} '${hint.resourceId.value}' is not an Azure resource id${typeof parsed === 'string' ? `: ${parsed}` : ` (it is a ${parsed.kind})`}`;
    }
    if (hint.image !== undefined) {
      const fromImage = this.resolveImage(hint.image.value, hint.image.where);
      if ('resourceId' in fromImage) return fromImage;
      reason ??= fromImage.reason;
    }
    return {
      reason:
        reason ??
        'the file names no Azure resource: give one with --resource-id, or put the resource id in the file (see docs/findings.md)',
    };
  }

  private resolveImage(value: string, where: string): Resolution {
    const ref = parseImageRef(value);
    if (ref === undefined) return { reason: `${where} '${value}' is not an image reference` };
    if (!isAcrLoginServer(ref.registry)) {
      return { reason: `image '${value}' is not on an Azure Container Registry (<name>.azurecr.io), so it maps to no Azure resource` };
    }
    const lookup = this.options.registryByLoginServer;
    if (lookup === undefined) return { reason: `image '${value}': no registry lookup was given to map '${ref.registry}' to a registry resource` };
    let registryId = this.registries.get(ref.registry);
    if (!this.registries.has(ref.registry)) {
      registryId = lookup(ref.registry);
      this.registries.set(ref.registry, registryId);
    }
    if (registryId === undefined) return { reason: `image '${value}': registry '${ref.registry}' is not in the estate` };
    const parsed = ResourceId.tryParse(registryId);
    if (typeof parsed === 'string' || parsed.kind !== 'resource') {
      return { reason: `image '${value}': the registry lookup answered '${registryId}', which is not a resource id` };
    }
    return { resourceId: imageResourceId(parsed.id, ref), image: ref.reference };
  }
}
