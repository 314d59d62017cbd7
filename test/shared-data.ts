import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The third-party data folder (`shared/data`): `$PALISADE_SHARED_DATA`, else `../shared/data` beside the checkout
 * (where CI lays it), else the workplace's `/work/shared/data`.
 */
export const SHARED_DATA: string =
  [process.env.PALISADE_SHARED_DATA, resolve(import.meta.dirname, '..', '..', 'shared', 'data'), '/work/shared/data'].find(
    (dir): dir is string => dir !== undefined && existsSync(dir),
  ) ?? resolve(import.meta.dirname, '..', '..', 'shared', 'data');

export const POLICY_DATA = join(SHARED_DATA, 'azure-policy');
export const REGORUS_CORPUS = join(POLICY_DATA, 'test-corpora', 'microsoft-regorus', 'tests');
