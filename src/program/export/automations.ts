/**
 * The automations in the store (document collection `automations`, keyed by the lower-cased id): the service API the
 * CLI uses and the ARM routes can use as they are —
 *
 *   putAutomation(store, sub, rg, name, body)   → {resource, created}    PUT (200 / 201)
 *   getAutomation(store, sub, rg, name)          → resource | undefined    GET (404 when undefined)
 *   listAutomations(store, {subscriptionId, resourceGroup?})               GET list
 *   deleteAutomation(store, sub, rg, name)       → existed                 DELETE (200 / 204)
 *   validateAutomation(sub, rg, name, body)      → {isValid, message, issues}   POST .../validate
 *
 * Resources come back in the ARM wire shape (`toArmAutomation`: no `uri`, no `connectionString`).
 */
import { randomUUID } from 'node:crypto';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { AUTOMATION_TYPE, automationId, automationInvalid, checkAutomation, toArmAutomation, type ArmAutomation, type StoredAutomation } from './automation.js';
import { pruneStreamState } from './stream-state.js';

export const AUTOMATIONS_COLLECTION = 'automations';

const SUBSCRIPTION = /^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$/;

function checkSubscription(subscriptionId: string): void {
  if (typeof subscriptionId !== 'string' || !SUBSCRIPTION.test(subscriptionId)) {
    throw new PalisadeError('InvalidSubscriptionId', `"${String(subscriptionId)}" is not a subscription id (a GUID).`, { kind: 'argument', target: 'subscriptionId' });
  }
}

export interface PutAutomationOptions {
  now?: Date;
  /** `If-Match`: the current etag (or `*`); a mismatch is `PreconditionFailed`. */
  ifMatch?: string;
}

export interface PutAutomationResult {
  resource: ArmAutomation;
  /** true when the automation did not exist (ARM answers 201), false for an update (200). */
  created: boolean;
}

/** Validates the body and stores the automation (create or replace). Throws `AutomationInvalid` with every issue. */
export async function putAutomation(store: Store, subscriptionId: string, resourceGroup: string, name: string, body: unknown, options: PutAutomationOptions = {}): Promise<PutAutomationResult> {
  checkSubscription(subscriptionId);
  const target = { subscriptionId, resourceGroup, name };
  const { body: checked, issues } = checkAutomation(target, body);
  if (!checked) throw automationInvalid(target, issues);
  const id = automationId(subscriptionId, resourceGroup, name);
  const existing = await store.getDocument<StoredAutomation>(AUTOMATIONS_COLLECTION, canonicalKey(id));
  if (options.ifMatch !== undefined && options.ifMatch !== '*' && options.ifMatch !== existing?.etag) {
    throw new PalisadeError('PreconditionFailed', `The automation '${name}' ${existing ? `has etag ${existing.etag}` : 'does not exist'}; If-Match was ${options.ifMatch}.`, { kind: 'conflict', target: name });
  }
  const now = (options.now ?? new Date()).toISOString();
  const stored: StoredAutomation = {
    id: existing?.id ?? id,
    name: existing?.name ?? name,
    type: AUTOMATION_TYPE,
    location: checked.location,
    etag: `"${randomUUID()}"`,
    tags: checked.tags,
    subscriptionId: existing?.subscriptionId ?? subscriptionId,
    resourceGroup: existing?.resourceGroup ?? resourceGroup,
    properties: checked.properties,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  if (checked.kind !== undefined) stored.kind = checked.kind;
  // A new automation starts without snapshot marks (a deleted namesake's are gone): its first run exports snapshots.
  if (existing === undefined) await clearSnapshotMarks(store, canonicalKey(stored.id));
  await store.putDocument(AUTOMATIONS_COLLECTION, canonicalKey(stored.id), stored);
  await pruneStreamState(store, await storedAutomations(store));
  return { resource: toArmAutomation(stored), created: existing === undefined };
}

/** One automation as the store keeps it (with its write-only secrets), or undefined. */
export async function getStoredAutomation(store: Store, subscriptionId: string, resourceGroup: string, name: string): Promise<StoredAutomation | undefined> {
  return store.getDocument<StoredAutomation>(AUTOMATIONS_COLLECTION, canonicalKey(automationId(subscriptionId, resourceGroup, name)));
}

export async function getAutomation(store: Store, subscriptionId: string, resourceGroup: string, name: string): Promise<ArmAutomation | undefined> {
  const a = await getStoredAutomation(store, subscriptionId, resourceGroup, name);
  return a === undefined ? undefined : toArmAutomation(a);
}

/** Every stored automation (secrets included), ordered by id. */
export async function storedAutomations(store: Store): Promise<StoredAutomation[]> {
  return (await store.listDocuments<StoredAutomation>(AUTOMATIONS_COLLECTION)).map((d) => d.body);
}

/** The automations of a subscription (and resource group), in the ARM shape, ordered by id. */
export async function listAutomations(store: Store, filter: { subscriptionId?: string; resourceGroup?: string } = {}): Promise<ArmAutomation[]> {
  const sub = filter.subscriptionId?.toLowerCase();
  const rg = filter.resourceGroup?.toLowerCase();
  return (await storedAutomations(store))
    .filter((a) => (sub === undefined || a.subscriptionId.toLowerCase() === sub) && (rg === undefined || a.resourceGroup.toLowerCase() === rg))
    .map(toArmAutomation);
}

/** Deletes an automation, its undelivered outbox rows, its snapshot marks and the change state no one needs now; true when it existed. */
export async function deleteAutomation(store: Store, subscriptionId: string, resourceGroup: string, name: string): Promise<boolean> {
  const key = canonicalKey(automationId(subscriptionId, resourceGroup, name));
  const existed = await store.deleteDocument(AUTOMATIONS_COLLECTION, key);
  await store.deleteOutbox({ automationId: key, states: ['pending', 'dead'] });
  await clearSnapshotMarks(store, key);
  await pruneStreamState(store, await storedAutomations(store));
  return existed;
}

/** Forgets when an automation last exported its snapshots (export state scope `snapshot:<automation id>`). */
async function clearSnapshotMarks(store: Store, automationKey: string): Promise<void> {
  const scope = `snapshot:${automationKey}`;
  const marks = await store.readExportState(scope);
  if (marks.size > 0) await store.writeExport({ outbox: [], state: [...marks.keys()].map((key) => ({ scope, key, value: null })), now: new Date() });
}
