/**
 * `palisade policy state list|summarize`, mirroring `az policy state list|summarize` (PolicyInsights). Palisade keeps
 * no evaluation history: every call evaluates the store's estate on demand (a progress bar on a terminal for big
 * estates) and answers from the latest states, so `--all` (az: all historical records) and `--from/--to` change
 * nothing but are accepted. Records have the PolicyInsights `policyStates` shape plus Palisade's `effect`, `reason`,
 * `evaluatedState` and `exemptionIds`; NotApplicable resources have no record, as in Azure.
 *
 * Scope: `--resource`, `-g` (with `--subscription`, or across subscriptions), `--management-group`,
 * `--subscription`, `--policy-assignment` (name or id), `--policy-definition`, `--policy-set-definition`; `--filter`
 * is OData (`complianceState eq 'NonCompliant' and resourceType eq 'Microsoft.Storage/storageAccounts'`: eq, ne, gt,
 * ge, lt, le, and, or, not, parentheses, contains/startswith/endswith; strings compare case-insensitively).
 */
import { nonNegativeInt } from '../arguments.js';
import { Command, Option } from 'commander';
import { PalisadeError, ResourceId, canonicalKey, ids } from '../../core/index.js';
import { summarizeStates, type PolicyStateRecord, type PolicyStatesSummary } from '../../policy/index.js';
import type { CommandContext } from '../context.js';
import { PolicySession } from '../../service/index.js';
import type { Run } from '../run.js';
import { resolveSubscription } from './resource.js';

// ---------------------------------------------------------------------------------------------------------------
// OData $filter

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; value?: unknown };
type Predicate = (record: Record<string, unknown>) => boolean;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw filterError(text, 'unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      out.push({ kind: 'string', text: s, value: s });
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: 'punct', text: c });
      i++;
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) throw filterError(text, `unexpected '${c}'`);
      out.push({ kind: 'number', text: m[0], value: Number(m[0]) });
      i += m[0].length;
    } else {
      const m = /^[A-Za-z_@][\w.@/]*/.exec(text.slice(i));
      if (!m) throw filterError(text, `unexpected '${c}'`);
      i += m[0].length;
      // datetime'2026-01-01T00:00:00Z'
      if (m[0].toLowerCase() === 'datetime' && text[i] === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) throw filterError(text, 'unterminated datetime literal');
        out.push({ kind: 'string', text: text.slice(i + 1, end), value: text.slice(i + 1, end) });
        i = end + 1;
      } else out.push({ kind: 'ident', text: m[0] });
    }
  }
  return out;
}

function filterError(text: string, why: string): PalisadeError {
  return new PalisadeError('InvalidFilter', `invalid --filter "${text}": ${why}`, { kind: 'argument' });
}

function fieldOf(record: Record<string, unknown>, name: string): unknown {
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(record)) if (k.toLowerCase() === lower) return record[k];
  return undefined;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a === null || a === undefined || b === null || b === undefined) return a == b ? 0 : undefined;
  return undefined;
}

/** Parses an OData `$filter` over flat records. */
export function parseODataFilter(text: string): Predicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'ident' && t.text.toLowerCase() === w;
  const expect = (p: string) => {
    const t = tokens[pos++];
    if (!t || t.kind !== 'punct' || t.text !== p) throw filterError(text, `expected '${p}'`);
  };
  const literal = (): unknown => {
    const t = tokens[pos++];
    if (!t) throw filterError(text, 'expected a value');
    if (t.kind === 'string' || t.kind === 'number') return t.value;
    if (t.kind === 'ident') {
      const w = t.text.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
    }
    throw filterError(text, `expected a value, got '${t.text}'`);
  };
  const primary = (): Predicate => {
    const t = peek();
    if (!t) throw filterError(text, 'unexpected end');
    if (t.kind === 'punct' && t.text === '(') {
      pos++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.kind !== 'ident') throw filterError(text, `unexpected '${t.text}'`);
    pos++;
    const fn = t.text.toLowerCase();
    if (peek()?.kind === 'punct' && peek()!.text === '(' && ['contains', 'startswith', 'endswith'].includes(fn)) {
      pos++;
      const f = tokens[pos++];
      if (!f || f.kind !== 'ident') throw filterError(text, `${fn}() needs a property name`);
      expect(',');
      const v = String(literal()).toLowerCase();
      expect(')');
      return (r) => {
        const x = fieldOf(r, f.text);
        if (typeof x !== 'string') return false;
        const s = x.toLowerCase();
        return fn === 'contains' ? s.includes(v) : fn === 'startswith' ? s.startsWith(v) : s.endsWith(v);
      };
    }
    const opTok = tokens[pos++];
    const op = opTok?.kind === 'ident' ? opTok.text.toLowerCase() : '';
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw filterError(text, `expected eq, ne, gt, ge, lt or le after '${t.text}'`);
    const v = literal();
    return (r) => {
      const c = compare(fieldOf(r, t.text), v);
      if (op === 'ne') return c !== 0;
      if (c === undefined) return false;
      return op === 'eq' ? c === 0 : op === 'gt' ? c > 0 : op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
    };
  };
  const not = (): Predicate => {
    if (isWord(peek(), 'not')) {
      pos++;
      const inner = not();
      return (r) => !inner(r);
    }
    return primary();
  };
  const and = (): Predicate => {
    let left = not();
    while (isWord(peek(), 'and')) {
      pos++;
      const l = left;
      const r = not();
      left = (x) => l(x) && r(x);
    }
    return left;
  };
  const or = (): Predicate => {
    let left = and();
    while (isWord(peek(), 'or')) {
      pos++;
      const l = left;
      const r = and();
      left = (x) => l(x) || r(x);
    }
    return left;
  };
  const result = or();
  if (pos !== tokens.length) throw filterError(text, `unexpected '${tokens[pos].text}'`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Scope selection

interface ScopeOptions {
  resource?: string;
  namespace?: string;
  resourceType?: string;
  parent?: string;
  resourceGroup?: string;
  managementGroup?: string;
  policyAssignment?: string;
  policyDefinition?: string;
  policySetDefinition?: string;
  filter?: string;
}

interface Selection {
  /** A scope id for the summary's scope filter. */
  scope?: string;
  predicate: (r: PolicyStateRecord) => boolean;
}

async function selection(ctx: CommandContext, session: PolicySession, opts: ScopeOptions): Promise<Selection> {
  const given = [opts.resource, opts.resourceGroup, opts.managementGroup].filter((x) => x !== undefined).length;
  if (given > 1) throw new PalisadeError('ArgumentUsageError', 'usage error: use only one of --resource, --resource-group, --management-group (with --subscription for a subscription)', { kind: 'argument' });
  const sub = ctx.options.subscription ? await resolveSubscription(ctx, ctx.options.subscription) : undefined;
  const preds: Array<(r: PolicyStateRecord) => boolean> = [];
  let scope: string | undefined;
  if (opts.managementGroup) {
    const node = session.tree.managementGroup(opts.managementGroup);
    if (!node) throw new PalisadeError('ManagementGroupNotFound', `The management group '${opts.managementGroup}' was not found.`, { kind: 'notFound', target: opts.managementGroup });
    scope = ids.managementGroup(node.name);
    const name = node.name.toLowerCase();
    preds.push((r) => r.managementGroupIds.toLowerCase().split(',').includes(name));
  } else if (opts.resource) {
    let id = opts.resource;
    if (!id.startsWith('/')) {
      if (!sub || !opts.resourceGroup || !opts.resourceType) {
        throw new PalisadeError('ArgumentUsageError', 'usage error: --resource ID | --resource NAME --resource-type TYPE [--namespace NS] [--parent PARENT] --resource-group RG --subscription SUB', { kind: 'argument' });
      }
      const type = opts.namespace ? `${opts.namespace}/${opts.resourceType}` : opts.resourceType;
      const [ns, ...types] = type.split('/');
      const parents = opts.parent ? `${opts.parent}/` : '';
      id = `${ids.resourceGroup(sub, opts.resourceGroup)}/providers/${ns}/${parents}${types.join('/')}/${id}`;
    }
    const parsed = ResourceId.tryParse(id);
    if (typeof parsed === 'string') throw new PalisadeError('InvalidArgumentValue', `Invalid value in --resource: '${id}' (${parsed})`, { kind: 'argument', target: id });
    scope = parsed.id;
    const key = canonicalKey(id);
    preds.push((r) => canonicalKey(r.resourceId) === key);
  } else if (opts.resourceGroup) {
    const rg = opts.resourceGroup.toLowerCase();
    if (sub) scope = ids.resourceGroup(sub, opts.resourceGroup);
    preds.push((r) => r.resourceGroup.toLowerCase() === rg);
  }
  if (sub) {
    scope ??= ids.subscription(sub);
    const s = sub.toLowerCase();
    preds.push((r) => r.subscriptionId.toLowerCase() === s);
  }
  if (opts.policyAssignment) {
    const wanted = opts.policyAssignment;
    if (wanted.includes('/')) {
      const key = canonicalKey(wanted);
      preds.push((r) => canonicalKey(r.policyAssignmentId) === key);
    } else {
      const n = wanted.toLowerCase();
      if (!session.assignments().some((a) => a.name.toLowerCase() === n)) {
        throw new PalisadeError('PolicyAssignmentNotFound', `The policy assignment '${wanted}' is not found.`, { kind: 'notFound', target: wanted });
      }
      preds.push((r) => r.policyAssignmentName.toLowerCase() === n);
    }
  }
  if (opts.policyDefinition) {
    const n = opts.policyDefinition.split('/').pop()!.toLowerCase();
    preds.push((r) => r.policyDefinitionName.toLowerCase() === n);
  }
  if (opts.policySetDefinition) {
    const n = opts.policySetDefinition.split('/').pop()!.toLowerCase();
    preds.push((r) => r.policySetDefinitionName.toLowerCase() === n);
  }
  if (opts.filter) {
    const p = parseODataFilter(opts.filter);
    preds.push((r) => p(r as unknown as Record<string, unknown>));
  }
  return { scope, predicate: (r) => preds.every((p) => p(r)) };
}


function addScopeOptions(cmd: Command): Command {
  return cmd
    .option('--resource <idOrName>', 'Resource id (or name, with --resource-type, --namespace, --parent, -g and --subscription).')
    .option('--namespace <ns>', 'Provider namespace of --resource given by name (e.g. Microsoft.Storage).')
    .option('--resource-type <type>', 'Resource type of --resource given by name (e.g. storageAccounts).')
    .option('--parent <path>', "Parent path of --resource given by name (e.g. 'servers/srv1').")
    .option('-g, --resource-group <name>', 'Resource group.')
    .option('-m, --management-group <name>', 'Management group name.')
    .option('-a, --policy-assignment <nameOrId>', 'Policy assignment name (or id).')
    .option('-d, --policy-definition <name>', 'Policy definition name.')
    .option('-s, --policy-set-definition <name>', 'Policy set definition name.')
    .option('--filter <odata>', "OData filter, e.g. \"complianceState eq 'NonCompliant'\".")
    .option('--from <datetime>', 'Accepted for az compatibility: Palisade answers from the latest evaluation.')
    .option('--to <datetime>', 'Accepted for az compatibility: Palisade answers from the latest evaluation.')
    .addOption(new Option('--top <n>', 'Maximum number of records to return.').argParser(nonNegativeInt));
}

/** `--order-by "prop [asc|desc], ..."`. */
function orderBy(records: PolicyStateRecord[], spec: string): PolicyStateRecord[] {
  const keys = spec.split(',').map((s) => {
    const [name, dir] = s.trim().split(/\s+/);
    if (!name) throw new PalisadeError('InvalidArgumentValue', `invalid --order-by '${spec}'`, { kind: 'argument' });
    return { name, desc: (dir ?? 'asc').toLowerCase() === 'desc' };
  });
  return [...records].sort((a, b) => {
    for (const k of keys) {
      const c = compare(fieldOf(a as unknown as Record<string, unknown>, k.name), fieldOf(b as unknown as Record<string, unknown>, k.name)) ?? 0;
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

async function listStates(ctx: CommandContext, opts: ScopeOptions & { top?: number; orderBy?: string; select?: string }): Promise<unknown[]> {
  const session = await PolicySession.open(ctx);
  const sel = await selection(ctx, session, opts);
  const { result } = await session.scan();
  let records = result.states.filter(sel.predicate);
  if (opts.orderBy) records = orderBy(records, opts.orderBy);
  if (opts.top !== undefined) records = records.slice(0, opts.top);
  if (opts.select) {
    const fields = opts.select.split(',').map((s) => s.trim()).filter(Boolean);
    return records.map((r) => Object.fromEntries(fields.map((f) => [f, fieldOf(r as unknown as Record<string, unknown>, f) ?? null])));
  }
  return records;
}

async function summarize(ctx: CommandContext, opts: ScopeOptions & { top?: number }): Promise<PolicyStatesSummary & { notEvaluated: Record<string, number> }> {
  const session = await PolicySession.open(ctx);
  const sel = await selection(ctx, session, opts);
  const { result } = await session.scan();
  const summary = summarizeStates(result.states, { filter: sel.predicate });
  let assignments = summary.policyAssignments;
  if (opts.top !== undefined) {
    assignments = [...assignments].sort((a, b) => b.results.nonCompliantResources - a.results.nonCompliantResources || (a.policyAssignmentId.toLowerCase() < b.policyAssignmentId.toLowerCase() ? -1 : 1)).slice(0, opts.top);
  }
  return { results: summary.results, policyAssignments: assignments, notEvaluated: result.notEvaluated };
}

export function policyStateCommand(run: Run): Command {
  const cmd = new Command('state').description('Policy compliance states, evaluated on demand over the estate in the store.');
  addScopeOptions(cmd.command('list').description('List policy states (one record per assignment, policy reference and resource).'))
    .option('--all', 'Accepted for az compatibility (all historical records): Palisade keeps the latest only.')
    .option('--order-by <spec>', "Ordering, e.g. 'resourceId asc, policyAssignmentName desc'.")
    .option('--select <fields>', 'Comma-separated properties to return.')
    .option('--apply <expr>', 'Not supported (OData aggregation); use --query.')
    .option('--expand <expr>', "Accepted for az compatibility: reasons are always in 'reason'.")
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<ScopeOptions & { top?: number; orderBy?: string; select?: string; apply?: string }>();
        if (opts.apply) throw new PalisadeError('ArgumentUsageError', '--apply (OData aggregation) is not supported; use --query', { kind: 'argument' });
        ctx.emit(await listStates(ctx, opts));
      });
    });
  addScopeOptions(cmd.command('summarize').description('Summarize policy states: results overall, per assignment, policy reference and group.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      ctx.emit(await summarize(ctx, this.opts<ScopeOptions & { top?: number }>()));
    });
  });
  return cmd;
}
