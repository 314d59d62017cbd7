/**
 * What the sample's history knows about the built-in policies and attack-path templates it breaks: a handful of row
 * tests, written out by hand from the policy rules (catalog/policy) and template patterns (catalog/graph) because the
 * estate module may not read the catalog. The acceptance test checks them against the real engine: a labelled drift
 * that the engine does not report fails it.
 */
import type { ArgRow } from '../types.js';
import { AUDIT_STORAGE_ASSIGNMENT_ID, MCSB_ASSIGNMENT_ID } from './policy.js';
import { STORAGE_PUBLIC_POLICY_ID } from './constants.js';
import type { DenyCandidateRef } from './history-types.js';

const STORAGE = 'microsoft.storage/storageaccounts';
const BUILT_IN = '/providers/Microsoft.Authorization/policyDefinitions';
const VAULT = 'microsoft.keyvault/vaults';

/** Secure transfer to storage accounts should be enabled (MCSB reference `secureTransferToStorageAccountMonitoring`). */
export const SECURE_TRANSFER_POLICY_ID = `${BUILT_IN}/404c3081-a854-4457-ae30-26a93ef643f9`;
/** Key vaults should have deletion protection enabled (MCSB reference `keyVaultsShouldHavePurgeProtectionEnabledMonitoringEffect`). */
export const PURGE_PROTECTION_POLICY_ID = `${BUILT_IN}/0b60c0b2-2dc2-4e1c-b5c9-abbed971de53`;
export const BLOB_TEMPLATE_ID = 'az-blob-internet-sensitive-public';

export const PURGE_PROTECTION_REFERENCE = 'keyVaultsShouldHavePurgeProtectionEnabledMonitoringEffect';
export const SECURE_TRANSFER_REFERENCE = 'secureTransferToStorageAccountMonitoring';

/** The Deny candidates of the policies the history breaks: the single-policy audit assignment first, else MCSB's reference. */
export const DENY = {
  publicBlob: { assignmentId: AUDIT_STORAGE_ASSIGNMENT_ID, policyDefinitionId: STORAGE_PUBLIC_POLICY_ID },
  secureTransfer: { assignmentId: MCSB_ASSIGNMENT_ID, policyDefinitionId: SECURE_TRANSFER_POLICY_ID, policyDefinitionReferenceId: SECURE_TRANSFER_REFERENCE },
  purgeProtection: { assignmentId: MCSB_ASSIGNMENT_ID, policyDefinitionId: PURGE_PROTECTION_POLICY_ID, policyDefinitionReferenceId: PURGE_PROTECTION_REFERENCE },
} satisfies Record<string, DenyCandidateRef>;

const SENSITIVE_TAGS = ['dataclassification', 'data-classification', 'classification', 'sensitivity', 'datasensitivity'];
const SENSITIVE_VALUES = new Set(['confidential', 'highly-confidential', 'highlyconfidential', 'highly confidential', 'restricted', 'secret', 'sensitive', 'pii', 'pci']);

function props(row: ArgRow): Record<string, unknown> {
  return row.properties ?? {};
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && v.toLowerCase() === 'false');
}

export function isStorage(row: ArgRow): boolean {
  return row.type.toLowerCase() === STORAGE;
}

export function isVault(row: ArgRow): boolean {
  return row.type.toLowerCase() === VAULT;
}

/** 4fa4b6c0 (Storage account public access should be disallowed) finds the account non-compliant. */
export function allowsPublicBlob(row: ArgRow): boolean {
  return isStorage(row) && !isFalse(props(row).allowBlobPublicAccess);
}

/** 404c3081 (Secure transfer) finds the account non-compliant. */
export function lacksSecureTransfer(row: ArgRow): boolean {
  return isStorage(row) && isFalse(props(row).supportsHttpsTrafficOnly);
}

/** 0b60c0b2 (deletion protection) finds the vault non-compliant (current API versions). */
export function lacksPurgeProtection(row: ArgRow): boolean {
  if (!isVault(row)) return false;
  const p = props(row);
  if (String(p.createMode ?? '').toLowerCase() === 'recover') return false;
  return isFalse(p.enableSoftDelete) || p.enablePurgeProtection === undefined || p.enablePurgeProtection === null || isFalse(p.enablePurgeProtection);
}

/** The graph's `containsSensitiveData` from classification tags. */
export function hasSensitiveTag(row: ArgRow): boolean {
  for (const [k, v] of Object.entries(row.tags ?? {})) {
    if (SENSITIVE_TAGS.includes(k.toLowerCase()) && typeof v === 'string' && SENSITIVE_VALUES.has(v.toLowerCase())) return true;
  }
  return false;
}

/** The graph's `exposedToInternet` for a storage account (public network access, firewall default action, IP rules). */
export function storageExposed(row: ArgRow): boolean {
  const p = props(row);
  if (String(p.publicNetworkAccess ?? '').toLowerCase() === 'disabled') return false;
  const acls = p.networkAcls as Record<string, unknown> | undefined | null;
  if (acls === undefined || acls === null || String(acls.defaultAction ?? 'Allow').toLowerCase() === 'allow') return true;
  return Array.isArray(acls.ipRules) && acls.ipRules.length > 0;
}

/** The storage account is the entry (and the whole path) of `az-blob-internet-sensitive-public`. */
export function opensBlobTemplate(row: ArgRow): boolean {
  return isStorage(row) && props(row).allowBlobPublicAccess === true && hasSensitiveTag(row) && storageExposed(row);
}

/** Machines should be configured to periodically check for missing system updates (MCSB `systemUpdatesAutoAssessmentMode`). */
export const PATCH_ASSESSMENT_POLICY_ID = `${BUILT_IN}/bd876905-5b84-4f73-ab2d-2e7a7c4568d9`;
/** Storage accounts should prevent shared key access, and its variant excluding Databricks' accounts (both in MCSB). */
export const SHARED_KEY_POLICY_IDS = [`${BUILT_IN}/8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54`, `${BUILT_IN}/fd9903f1-38c2-4d36-8e44-5c1c20c561e8`];
/** Secure score controls (ids as catalog/posture/controls.json assigns them) the history moves. */
export const CONTROL = {
  systemUpdates: { id: '943cc8fa-3cff-593e-87f2-73219a04ff73', displayName: 'Apply system updates', maxScore: 6 },
  access: { id: '5c3dfbe5-72da-5bb4-94ce-702361b2e9f1', displayName: 'Manage access and permissions', maxScore: 4 },
} as const;
/** More than any subscription's secure score can have at stake (every control worth points but MFA). */
export const MAX_SUBSCRIPTION_POINTS = 46;

export function isVm(row: ArgRow): boolean {
  return row.type.toLowerCase() === 'microsoft.compute/virtualmachines';
}

/** Image publishers of the sample whose images bd876905's image list covers (Ubuntu, Windows Server, SQL on Windows, RHEL 9). */
const PATCH_ASSESSED_PUBLISHERS = new Set(['Canonical', 'MicrosoftWindowsServer', 'MicrosoftSQLServer', 'RedHat']);

function osConfiguration(p: Record<string, unknown>): { os: string; key: 'linuxConfiguration' | 'windowsConfiguration' } {
  const storage = (p.storageProfile ?? {}) as Record<string, unknown>;
  const os = String(((storage.osDisk ?? {}) as Record<string, unknown>).osType ?? '').toLowerCase();
  return { os, key: os === 'windows' ? 'windowsConfiguration' : 'linuxConfiguration' };
}

/**
 * bd876905 finds a VM of the sample's images non-compliant unless periodic assessment (of its OS's configuration) is
 * AutomaticByPlatform. It is the only recommendation of "Apply system updates" a sample VM is assessed on (the Update
 * Center one needs assessments the estate does not hold), so the VM's health in that control is this test.
 */
export function lacksPatchAssessment(row: ArgRow): boolean {
  if (!isVm(row)) return false;
  const p = props(row);
  const image = (((p.storageProfile ?? {}) as Record<string, unknown>).imageReference ?? {}) as Record<string, unknown>;
  if (!PATCH_ASSESSED_PUBLISHERS.has(String(image.publisher ?? ''))) return false;
  const { key } = osConfiguration(p);
  const config = (((p.osProfile ?? {}) as Record<string, unknown>)[key] ?? {}) as Record<string, unknown>;
  return ((config.patchSettings ?? {}) as Record<string, unknown>).assessmentMode !== 'AutomaticByPlatform';
}

/** The same VM with periodic assessment on (what it was before the change). */
export function withPatchAssessment(row: ArgRow): ArgRow {
  const copy = JSON.parse(JSON.stringify(row)) as ArgRow;
  const p = copy.properties as Record<string, unknown>;
  const { key } = osConfiguration(p);
  const os = (p.osProfile ??= {}) as Record<string, unknown>;
  const config = (os[key] ??= {}) as Record<string, unknown>;
  config.patchSettings = { ...((config.patchSettings ?? {}) as Record<string, unknown>), assessmentMode: 'AutomaticByPlatform' };
  return copy;
}

/**
 * 8c6a50c6 / fd9903f1 find the account non-compliant while shared key access is allowed (absent counts as allowed);
 * they are a storage account's only recommendations in "Manage access and permissions".
 */
export function allowsSharedKey(row: ArgRow): boolean {
  if (!isStorage(row)) return false;
  const v = props(row).allowSharedKeyAccess;
  return v === undefined || v === null || v === '' || v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}
