/**
 * The template-function table. Context functions (`field`, `current`, `parameters`, `resourceGroup`, `subscription`,
 * `policy`, `requestContext`) are compiled by the expression compiler; everything here is a plain function of its
 * arguments (and the clock, for utcNow).
 */
import { arrayFunctions } from './arrays.js';
import { conversionFunctions } from './conversion.js';
import { dateFunctions } from './dates.js';
import { formatFunctions } from './format.js';
import { ipFunctions } from './ip.js';
import { logicFunctions } from './logic.js';
import { numericFunctions } from './numeric.js';
import { detailsOnlyFunctions, stringFunctions } from './strings.js';
import type { FunctionDef } from './types.js';

export type { FunctionDef, FunctionEnv } from './types.js';

/** Template functions Azure Policy rejects (Learn: "Policy functions" — the ARM functions not supported in policy). */
export const UNSUPPORTED_IN_POLICY = new Set(
  [
    'copyIndex',
    'deployment',
    'environment',
    'extensionResourceId',
    'lambda',
    'listAccountSas',
    'listKeys',
    'listSecrets',
    'list',
    'managementGroup',
    'newGuid',
    'pickZones',
    'providers',
    'reference',
    'resourceId',
    'subscriptionResourceId',
    'tenantResourceId',
    'tenant',
    'variables',
    'filter',
    'map',
    'reduce',
    'sort',
    'toObject',
  ].map((n) => n.toLowerCase()),
);

/** Names the expression compiler handles itself (they read the evaluation context). */
export const CONTEXT_FUNCTIONS = new Set(['field', 'current', 'parameters', 'resourcegroup', 'subscription', 'policy', 'requestcontext']);

const ALL: FunctionDef[] = [
  ...stringFunctions,
  ...conversionFunctions,
  ...arrayFunctions,
  ...logicFunctions,
  ...numericFunctions,
  ...dateFunctions,
  ...ipFunctions,
  ...formatFunctions,
  ...detailsOnlyFunctions,
];

/**
 * Lower-cased names of functions available only in `then.details` (`uniqueString`, `guid`): built-in definitions
 * name related resources with them (Guest Configuration assignments), while Microsoft's conformance corpus rejects
 * them in `if` conditions.
 */
export const DETAILS_ONLY_FUNCTIONS = new Set(detailsOnlyFunctions.map((f) => f.name.toLowerCase()));

const TABLE = new Map<string, FunctionDef>(ALL.map((f) => [f.name.toLowerCase(), f]));

/** Looks a function up by name, ignoring case. */
export function lookupFunction(name: string): FunctionDef | undefined {
  return TABLE.get(name.toLowerCase());
}

/** Every documented function name we implement (for docs and tests). */
export function functionNames(): string[] {
  return ALL.filter((f) => !f.internal).map((f) => f.name);
}
