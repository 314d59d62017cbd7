/**
 * Detection configuration: the windows, thresholds and learning periods of the catalog's detections are defaults
 * that a deployment can override without touching the catalog. A config (JSON or YAML) looks like
 *
 *   learningPeriod: 7d        # default learning period of every baseline (first-seen and volume)
 *   mergeWindow: 6h           # duplicates within this much of an open alert's end merge into it
 *   disabled: [K8S_PodExec]   # detection ids or alert types that do not run
 *   overrides:
 *     VM_SshBruteForceFailed: { count: 50, window: 5m }
 *     KV_UserAnomaly: { learning: 14d, retention: 30d }
 *
 * Override keys per kind: threshold `count`, `window`; sequence `within`, `count` (of the first step), `window` (of
 * the first step); firstSeen `learning`, `retention`, `maxValues`; volume `bucket`, `learning`, `history`, `factor`,
 * `sigmas`, `minimum`; every detection `mergeWindow`. Sigma correlations referenced by a detection take `count`
 * (event_count / value_count) and `window` (the timespan).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { PalisadeError, jsonPath, safeJsonParse, stripDangerousKeys } from '../core/index.js';
import { parseDuration } from './durations.js';

export interface DetectionConfig {
  learningPeriod?: string | number;
  mergeWindow?: string | number;
  disabled?: string[];
  overrides?: Record<string, Record<string, string | number>>;
}

export interface ResolvedConfig {
  learningPeriod: number;
  mergeWindow: number;
  disabled: Set<string>;
  overrides: Map<string, Record<string, string | number>>;
}

export const DEFAULT_LEARNING_PERIOD = 7 * 86_400_000;
export const DEFAULT_MERGE_WINDOW = 6 * 3_600_000;

export const OVERRIDE_KEYS = ['count', 'window', 'within', 'learning', 'retention', 'maxValues', 'bucket', 'history', 'factor', 'sigmas', 'minimum', 'mergeWindow'] as const;

function configError(message: string, path: Array<string | number>, file?: string): PalisadeError {
  const p = jsonPath(path);
  return new PalisadeError('DetectionConfigInvalid', `${file ? `${file}: ` : ''}${p}: ${message}`, { kind: 'validation', location: { file, path: p } });
}

export function resolveConfig(config: DetectionConfig = {}, file?: string): ResolvedConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw configError('a config is a map', [], file);
  for (const key of Object.keys(config)) {
    if (!['learningPeriod', 'mergeWindow', 'disabled', 'overrides'].includes(key)) throw configError(`unknown setting '${key}'`, [key], file);
  }
  const duration = (value: unknown, fallback: number, key: string): number => {
    if (value === undefined) return fallback;
    const ms = parseDuration(value, { allowZero: key === 'learningPeriod' });
    if (ms === undefined) throw configError('a duration such as 30m, 12h or 7d', [key], file);
    return ms;
  };
  const disabled = config.disabled ?? [];
  if (!Array.isArray(disabled) || disabled.some((d) => typeof d !== 'string')) throw configError('a list of detection ids or alert types', ['disabled'], file);
  const overrides = new Map<string, Record<string, string | number>>();
  const raw = config.overrides ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw configError('a map from detection id to settings', ['overrides'], file);
  for (const [id, settings] of Object.entries(raw)) {
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw configError('a map of settings', ['overrides', id], file);
    for (const [k, v] of Object.entries(settings)) {
      if (!(OVERRIDE_KEYS as readonly string[]).includes(k)) throw configError(`unknown setting '${k}' (known: ${OVERRIDE_KEYS.join(', ')})`, ['overrides', id, k], file);
      if (typeof v !== 'string' && typeof v !== 'number') throw configError('a number or a duration', ['overrides', id, k], file);
    }
    overrides.set(id, settings as Record<string, string | number>);
  }
  return {
    learningPeriod: duration(config.learningPeriod, DEFAULT_LEARNING_PERIOD, 'learningPeriod'),
    mergeWindow: duration(config.mergeWindow, DEFAULT_MERGE_WINDOW, 'mergeWindow'),
    disabled: new Set(disabled),
    overrides,
  };
}

/** Reads a config file (JSON, or YAML for `.yml` / `.yaml`). */
export function readConfigFile(file: string): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PalisadeError('DetectionConfigNotFound', `${file}: ${(e as Error).message}`, { kind: 'io', location: { file } });
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(file) ? stripDangerousKeys(parseYaml(text)) : safeJsonParse(text);
  } catch (e) {
    throw new PalisadeError('DetectionConfigInvalid', `${file}: ${(e as Error).message}`, { location: { file } });
  }
  return resolveConfig((data ?? {}) as DetectionConfig, file);
}
