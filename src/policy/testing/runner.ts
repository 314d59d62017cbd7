/**
 * Conformance runner for YAML case files in the schema of Microsoft's regorus Azure Policy corpus:
 *
 * rule cases   file: `aliases?`, `policy_rule?` | `policy_definition?`, `cases: [{note, policy_rule | policy_definition,
 *              resource, parameters, context, request_context, api_version, host_await[{key?, resource_type?, response}],
 *              want_effect | want_undefined | want_details | want_parse_error | want_compile_error | want_error, skip}]`
 *              Palisade extensions: file-level `aliases` given inline (an object or array) and `unknown_aliases: error`, `want_state` (the compliance state), `want_error_code` and `want_error_path`
 *              (the code and JSON path of a compile error, or the code of an evaluation error)
 * function cases  file: `builtin: azure.policy.fn.<snake_name>`, `cases: [{note, args, want | want_error | want_null |
 *              want_undefined}]`
 * assignment cases (Palisade)  file or case: `management_groups`, `subscriptions`, `resources`, `policy_definition` |
 *              `policy_set_definition` + `policy_definitions`, `assignment`, `exemptions`, `now`, `catalog`,
 *              `want_states` | `want_effects` | `want_not_evaluated` | `want_state_counts` — run through the
 *              PolicyScanner (assignment-cases.ts)
 *
 * Files in other formats (regorus' normaliser and VM suites) are listed as ignored with the reason.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AliasCatalog } from '../../catalog/index.js';
import { safeJsonParse } from '../../core/index.js';
import { compileDefinition } from '../compile.js';
import { isAssignmentFile, runAssignmentCase } from './assignment-cases.js';
import { evaluate } from '../evaluate.js';
import { lookupFunction } from '../functions/index.js';
import { parsePath, readPath } from '../paths.js';
import type { EvaluationContext, PolicyHost } from '../runtime.js';
import { deepEqualStrict, isObject, show, toPlain } from '../value.js';

export interface CorpusSkip {
  /** Path suffix of the case file (`azure_policy/cases/parse_errors.yaml`). */
  file: string;
  note: string;
  /** Why our answer differs on purpose (a documented Azure behaviour the case contradicts). */
  reason: string;
}

export interface PolicyTestOptions {
  /** Cases to skip, each with a reason. */
  skips?: ReadonlyArray<CorpusSkip>;
  /** Clock for utcNow(). */
  now?: Date;
  /** Only run cases whose note contains this text. */
  filter?: string;
}

export interface PolicyTestFailure {
  file: string;
  note: string;
  message: string;
}

export interface PolicyTestReport {
  passed: number;
  failed: number;
  skipped: number;
  failures: PolicyTestFailure[];
  skippedCases: Array<{ file: string; note: string; reason: string }>;
  /** Skip entries that matched no case (the skip list must be exact). */
  unusedSkips: CorpusSkip[];
  ignoredFiles: Array<{ file: string; reason: string }>;
  files: number;
  /** Human-readable report ending in `N passed, N failed, N skipped`. */
  text: string;
}

function listYaml(path: string, out: string[]): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) listYaml(join(path, name), out);
  } else if (/\.ya?ml$/i.test(path)) out.push(path);
}

const DEFAULT_CONTEXT = {
  resourceGroup: { name: 'myResourceGroup', location: 'eastus' },
  subscription: { subscriptionId: '00000000-0000-0000-0000-000000000000' },
};

type Case = Record<string, unknown>;

/** Runs every case file under `paths` (files or directories). */
export function runPolicyTests(paths: string[], options: PolicyTestOptions = {}): PolicyTestReport {
  const files: string[] = [];
  for (const p of paths) listYaml(resolve(p), files);
  const report: PolicyTestReport = {
    passed: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    skippedCases: [],
    unusedSkips: [],
    ignoredFiles: [],
    files: 0,
    text: '',
  };
  const skips = options.skips ?? [];
  const usedSkips = new Set<CorpusSkip>();
  const aliasCache = new Map<string, AliasCatalog>();

  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      report.failures.push({ file, note: '<file>', message: `YAML error: ${(e as Error).message}` });
      report.failed++;
      continue;
    }
    if (!isObject(doc) || !Array.isArray(doc.cases)) {
      report.ignoredFiles.push({ file, reason: 'no cases list' });
      continue;
    }
    const cases = doc.cases as Case[];
    const kind = typeof doc.builtin === 'string' ? 'builtin' : isAssignmentFile(doc, cases) ? 'assignment' : isRuleFile(doc, cases) ? 'rule' : undefined;
    if (!kind) {
      report.ignoredFiles.push({ file, reason: describeOtherFormat(cases) });
      continue;
    }
    report.files++;
    let aliases: AliasCatalog | undefined;
    if (isObject(doc.aliases) || Array.isArray(doc.aliases)) {
      // Palisade extension: an alias table inline (ARM provider format, with capabilities, or the namespace format).
      aliases = AliasCatalog.fromJson(doc.aliases, file);
    } else if (typeof doc.aliases === 'string') {
      const aliasFile = resolve(dirname(file), '..', 'aliases', doc.aliases);
      aliases = aliasCache.get(aliasFile);
      if (!aliases) {
        aliases = AliasCatalog.fromJson(safeJsonParse(readFileSync(aliasFile, 'utf8')), aliasFile);
        aliasCache.set(aliasFile, aliases);
      }
    }
    for (const c of cases) {
      const note = String(c.note ?? '<no note>');
      if (options.filter !== undefined && !note.includes(options.filter)) continue;
      const skip = skips.find((s) => s.note === note && file.replace(/\\/g, '/').endsWith(s.file));
      if (skip) usedSkips.add(skip);
      if (c.skip === true || skip) {
        report.skipped++;
        report.skippedCases.push({ file, note, reason: skip ? skip.reason : 'marked skip in the corpus' });
        continue;
      }
      let problem: string | undefined;
      try {
        problem =
          kind === 'builtin' ? runBuiltinCase(String(doc.builtin), c) : kind === 'assignment' ? runAssignmentCase(doc, c, aliases, options.now) : runRuleCase(doc, c, aliases, options);
      } catch (e) {
        problem = `crashed: ${(e as Error).stack ?? String(e)}`;
      }
      if (problem === undefined) report.passed++;
      else {
        report.failed++;
        report.failures.push({ file, note, message: problem });
      }
    }
  }
  report.unusedSkips = skips.filter((s) => !usedSkips.has(s));
  const lines = report.failures.map((f) => `FAIL ${f.file} :: ${f.note}\n  ${f.message.replace(/\n/g, '\n  ')}`);
  for (const s of report.skippedCases) lines.push(`SKIP ${s.file} :: ${s.note} (${s.reason})`);
  for (const s of report.unusedSkips) lines.push(`UNUSED SKIP ${s.file} :: ${s.note}`);
  lines.push(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  report.text = lines.join('\n');
  return report;
}

function isRuleFile(doc: Record<string, unknown>, cases: Case[]): boolean {
  if (typeof doc.policy_rule === 'string' || typeof doc.policy_definition === 'string') return true;
  return cases.some((c) => typeof c.policy_rule === 'string' || typeof c.policy_definition === 'string');
}

function describeOtherFormat(cases: Case[]): string {
  const first = cases[0] ?? {};
  if ('instructions' in first) return 'RVM bytecode suite (regorus VM instructions, not policy JSON)';
  if ('expected_normalized' in first || 'input' in first) return 'regorus resource normaliser cases (internal flattened representation)';
  return 'unrecognised case format';
}

function runRuleCase(doc: Record<string, unknown>, c: Case, aliases: AliasCatalog | undefined, options: PolicyTestOptions): string | undefined {
  const source = (c.policy_definition ?? c.policy_rule ?? doc.policy_definition ?? doc.policy_rule) as string | undefined;
  if (typeof source !== 'string') return 'case has no policy_rule or policy_definition';
  const wantParseError = c.want_parse_error === true;
  const wantCompileError = c.want_compile_error === true;
  const compiled = compileDefinition(source, {
    aliases,
    unknownAliases: doc.unknown_aliases === 'error' ? 'error' : 'path',
    parameters: isObject(c.parameters) ? c.parameters : undefined,
  });
  if (compiled.kind === 'errors') {
    if (wantParseError || wantCompileError) {
      // Palisade extensions: the error's code and its JSON path inside the definition.
      const listing = compiled.errors.map((e) => `${e.code} ${e.location?.path ?? ''}`).join('; ');
      if (typeof c.want_error_code === 'string' && !compiled.errors.some((e) => e.code === c.want_error_code)) return `expected error code ${c.want_error_code}, got ${listing}`;
      if (typeof c.want_error_path === 'string' && !compiled.errors.some((e) => e.location?.path === c.want_error_path && (typeof c.want_error_code !== 'string' || e.code === c.want_error_code))) {
        return `expected an error at ${c.want_error_path}, got ${listing}`;
      }
      return undefined;
    }
    return `unexpected compile errors:\n${compiled.errors.map((e) => `${e.code} ${e.location?.path ?? ''}: ${e.message}`).join('\n')}`;
  }
  if (wantParseError || wantCompileError) return `expected a ${wantParseError ? 'parse' : 'compile'} error, but the policy compiled`;
  const expects = ['want_effect', 'want_undefined', 'want_details', 'want_error', 'want_state'].some((k) => k in c);
  if (!expects) return undefined; // a compile-only case

  const resource = isObject(c.resource) ? { ...c.resource } : {};
  const apiVersion = typeof c.api_version === 'string' ? c.api_version : undefined;
  if (apiVersion !== undefined) resource.apiVersion = apiVersion;
  const ctx: Record<string, unknown> = isObject(c.context) ? { ...c.context } : { ...DEFAULT_CONTEXT };
  if (ctx.requestContext === undefined) {
    if (c.request_context !== undefined) ctx.requestContext = c.request_context;
    else if (apiVersion !== undefined) ctx.requestContext = { apiVersion };
  }
  const responses = Array.isArray(c.host_await) ? (c.host_await as Case[]).map((h) => h.response) : [];
  let next = 0;
  const host: PolicyHost = {
    findRelated: () => {
      if (next >= responses.length) return [];
      const r = responses[next++];
      return r === null || r === undefined ? [] : [r];
    },
  };
  const now = typeof ctx.utcNow === 'string' ? new Date(ctx.utcNow) : options.now;
  const context: EvaluationContext = { ...(ctx as EvaluationContext), apiVersion, host, now };
  const result = evaluate(compiled, resource, context);
  const got = `effect=${result.effect ?? '<none>'} state=${result.state}${result.error ? ` error=${result.error.code}: ${result.error.message}` : ''}`;
  // Palisade extension: the compliance state (Compliant / NonCompliant / NotApplicable / Unknown / Disabled ...).
  if (typeof c.want_state === 'string' && result.state !== c.want_state) return `expected state ${c.want_state}, got ${got}`;
  if (c.want_error === true) {
    if (result.state !== 'Error') return `expected an evaluation error, got ${got}`;
    if (typeof c.want_error_code === 'string' && result.error?.code !== c.want_error_code) return `expected error code ${c.want_error_code}, got ${got}`;
    return undefined;
  }
  if (c.want_undefined === true) {
    return result.effect === undefined && result.state !== 'Error' ? undefined : `expected no effect, got ${got}`;
  }
  if (typeof c.want_effect === 'string') {
    if (result.effect !== c.want_effect) return `expected effect '${c.want_effect}', got ${got}`;
    if (c.want_details !== undefined) {
      const actual = toPlain(result.details);
      if (!deepEqualStrict(actual, c.want_details)) return `details differ:\n  want ${show(c.want_details)}\n  got  ${show(actual)}`;
    }
    return undefined;
  }
  return result.state === 'Error' ? `evaluation failed: ${got}` : undefined;
}

const BUILTIN_ALIASES: Record<string, string> = {
  int_div: 'div',
  int_mod: 'mod',
  logic_all: 'and',
  logic_any: 'or',
};

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** The corpus's two non-ARM helpers (field path resolution and parameter defaulting), as our engine does them. */
const TEST_HELPERS: Record<string, (args: unknown[]) => unknown> = {
  resolve_field: (a) => {
    if (typeof a[1] !== 'string') return undefined;
    const plan = parsePath(a[1]);
    return plan ? readPath(a[0], plan.segments) : undefined;
  },
  get_parameter: (a) => {
    const name = String(a[2]);
    const pick = (o: unknown) => (isObject(o) && Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined);
    return pick(a[0]) ?? pick(a[1]);
  },
};

function runBuiltinCase(builtin: string, c: Case): string | undefined {
  const raw = builtin.replace(/^azure\.policy\.(fn\.)?/, '');
  const args = Array.isArray(c.args) ? (c.args as unknown[]) : [];
  let call: ((a: unknown[]) => unknown) | undefined = TEST_HELPERS[raw];
  if (!call) {
    const fn = lookupFunction(BUILTIN_ALIASES[raw] ?? camel(raw));
    if (!fn) return `no function for builtin '${builtin}'`;
    if (args.length < fn.min || args.length > fn.max) call = () => { throw new Error(`wrong number of arguments for ${fn.name}`); };
    else call = (a) => fn.call(a, { now: () => new Date() });
  }
  let result: unknown;
  let error: Error | undefined;
  try {
    result = call(args);
  } catch (e) {
    error = e as Error;
  }
  const got = error ? `error: ${error.message}` : `value ${show(result)}`;
  if ('want_error' in c) return error ? undefined : `expected an error (${String(c.want_error)}), got ${got}`;
  if (c.want_undefined === true) return error || result === undefined ? undefined : `expected undefined, got ${got}`;
  if (c.want_null === true) return !error && result === null ? undefined : `expected null, got ${got}`;
  if ('want' in c) return !error && deepEqualStrict(toPlain(result), c.want) ? undefined : `expected ${show(c.want)}, got ${got}`;
  return 'case has no expectation';
}
