/**
 * The governance messages of one ISO week (pure: records, time and settings in, messages out):
 *
 *   OwnerDigest        per owner: their open assignments (OnTime and Overdue), overdue first (earliest due first),
 *                      then on time by due date; not for assignments with disableOwnerEmailNotification.
 *   ManagerEscalation  per manager: the open assignments past their due date (overdue, or unassigned and past due),
 *                      with their owners; not for assignments with disableManagerEmailNotification. The manager is the
 *                      resource's manager tag (GovernanceNotifyConfig.managerTag), else the config's owner → manager
 *                      mapping; items without one are reported as skipped.
 *
 * Owners and managers that are not email addresses (a ByTag owner tag holding a name) are skipped with a reason.
 */
import { governanceStatus, isOpen, type GovernanceAssignmentRecord, type GovernanceStatus } from './assignment.js';
import { tagValue } from './conditions.js';
import type { GovernanceResourceLookup } from './engine.js';
import type { GovernanceNotifyConfig } from './notify-config.js';
import { isEmailAddress } from './rule.js';
import { isoWeek } from './time.js';

export type GovernanceMessageKind = 'OwnerDigest' | 'ManagerEscalation';

export interface NotificationItem {
  assignmentId: string;
  assessmentKey: string;
  recommendation: string;
  severity: string;
  resourceId: string;
  owner?: string;
  status: GovernanceStatus;
  remediationDueDate: string;
  /** Whole days past the due date (0 when not overdue). */
  daysOverdue: number;
}

export interface GovernanceMessage {
  kind: GovernanceMessageKind;
  /** The email address the message is for. */
  recipient: string;
  /** ISO week, e.g. `2026-W36`. */
  week: string;
  subject: string;
  text: string;
  html: string;
  items: NotificationItem[];
}

export interface SkippedNotification {
  kind: GovernanceMessageKind;
  assignmentId: string;
  reason: 'OwnerNotAnEmailAddress' | 'NoManager' | 'ManagerNotAnEmailAddress';
  detail?: string;
}

const DAY_MS = 86_400_000;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function itemOf(r: GovernanceAssignmentRecord, now: Date): NotificationItem {
  const late = now.getTime() - Date.parse(r.remediationDueDate);
  const item: NotificationItem = {
    assignmentId: r.id,
    assessmentKey: r.assessmentKey,
    recommendation: r.recommendation,
    severity: r.severity,
    resourceId: r.resourceId,
    status: governanceStatus(r, now),
    remediationDueDate: r.remediationDueDate,
    daysOverdue: late > 0 ? Math.floor(late / DAY_MS) : 0,
  };
  if (r.owner) item.owner = r.owner;
  return item;
}

const SEVERITY_RANK: Record<string, number> = { High: 0, Medium: 1, Low: 2 };

function attentionOrder(a: NotificationItem, b: NotificationItem): number {
  const overdue = (i: NotificationItem) => (i.daysOverdue > 0 || i.status === 'Overdue' ? 0 : 1);
  return (
    overdue(a) - overdue(b) ||
    Date.parse(a.remediationDueDate) - Date.parse(b.remediationDueDate) ||
    (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) ||
    cmp(a.resourceId.toLowerCase(), b.resourceId.toLowerCase()) ||
    cmp(a.assessmentKey.toLowerCase(), b.assessmentKey.toLowerCase())
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function line(i: NotificationItem, withOwner: boolean): string {
  const when = i.daysOverdue > 0 ? `due ${day(i.remediationDueDate)} (${i.daysOverdue} day${i.daysOverdue === 1 ? '' : 's'} overdue)` : `due ${day(i.remediationDueDate)}`;
  return `- [${i.severity}] ${i.recommendation}\n  ${i.resourceId}\n  ${when}${withOwner ? ` - owner ${i.owner ?? 'unassigned'}` : ''}`;
}

function table(items: readonly NotificationItem[], withOwner: boolean): string {
  const head = ['Status', 'Due', 'Severity', 'Recommendation', 'Resource', ...(withOwner ? ['Owner'] : [])];
  const rows = items.map((i) => {
    const cells = [i.daysOverdue > 0 ? `Overdue ${i.daysOverdue}d` : i.status, day(i.remediationDueDate), i.severity, i.recommendation, i.resourceId, ...(withOwner ? [i.owner ?? 'unassigned'] : [])];
    return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<table border="1" cellpadding="4" cellspacing="0"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ownerDigest(owner: string, items: NotificationItem[], week: string): GovernanceMessage {
  const overdue = items.filter((i) => i.daysOverdue > 0 || i.status === 'Overdue');
  const onTime = items.filter((i) => !overdue.includes(i));
  const subject = `Palisade governance digest ${week}: ${plural(items.length, 'open recommendation')}, ${overdue.length} overdue`;
  const text = [
    'Hello,',
    '',
    `Palisade's governance rules assign you ${plural(items.length, 'open security recommendation')} (${overdue.length} overdue).`,
    '',
    ...(overdue.length > 0 ? ['OVERDUE', ...overdue.map((i) => line(i, false)), ''] : []),
    ...(onTime.length > 0 ? ['ON TIME', ...onTime.map((i) => line(i, false)), ''] : []),
    'Fix the resource, or agree an exemption, before the due date.',
  ].join('\n');
  const html = `<p>Palisade's governance rules assign you ${plural(items.length, 'open security recommendation')} (${overdue.length} overdue).</p>${table(items, false)}`;
  return { kind: 'OwnerDigest', recipient: owner, week, subject, text, html, items };
}

function escalation(manager: string, items: NotificationItem[], week: string): GovernanceMessage {
  const owners = [...new Set(items.map((i) => i.owner ?? 'unassigned'))].sort();
  const subject = `Palisade governance escalation ${week}: ${plural(items.length, 'overdue recommendation')} (${owners.join(', ')})`;
  const text = [
    'Hello,',
    '',
    `${plural(items.length, 'security recommendation')} owned by people you manage ${items.length === 1 ? 'is' : 'are'} past ${items.length === 1 ? 'its' : 'their'} due date.`,
    '',
    ...items.map((i) => line(i, true)),
  ].join('\n');
  const html = `<p>${plural(items.length, 'security recommendation')} owned by people you manage ${items.length === 1 ? 'is' : 'are'} past the due date.</p>${table(items, true)}`;
  return { kind: 'ManagerEscalation', recipient: manager, week, subject, text, html, items };
}

export interface BuildMessagesInput {
  records: readonly GovernanceAssignmentRecord[];
  now: Date;
  config: Pick<GovernanceNotifyConfig, 'managerTag' | 'managers'>;
  /** Resource tags, for the manager tag. */
  resources: GovernanceResourceLookup;
}

/** The week's owner digests and manager escalations, sorted by kind then recipient. */
export function buildGovernanceMessages(input: BuildMessagesInput): { week: string; messages: GovernanceMessage[]; skipped: SkippedNotification[] } {
  const { now, config } = input;
  const week = isoWeek(now);
  const byOwner = new Map<string, { recipient: string; items: NotificationItem[] }>();
  const byManager = new Map<string, { recipient: string; items: NotificationItem[] }>();
  const skipped: SkippedNotification[] = [];
  const add = (map: typeof byOwner, recipient: string, item: NotificationItem) => {
    const key = recipient.toLowerCase();
    let e = map.get(key);
    if (!e) map.set(key, (e = { recipient, items: [] }));
    e.items.push(item);
  };
  for (const r of input.records) {
    if (!isOpen(r)) continue;
    const item = itemOf(r, now);
    if (r.owner && !r.governanceEmailNotification.disableOwnerEmailNotification) {
      if (isEmailAddress(r.owner)) add(byOwner, r.owner, item);
      else skipped.push({ kind: 'OwnerDigest', assignmentId: r.id, reason: 'OwnerNotAnEmailAddress', detail: r.owner });
    }
    if (item.daysOverdue > 0 || item.status === 'Overdue') {
      if (r.governanceEmailNotification.disableManagerEmailNotification) continue;
      const manager = tagValue(input.resources(r.resourceId)?.tags, config.managerTag) ?? (r.owner ? config.managers.get(r.owner.toLowerCase()) : undefined);
      if (!manager) skipped.push({ kind: 'ManagerEscalation', assignmentId: r.id, reason: 'NoManager' });
      else if (!isEmailAddress(manager)) skipped.push({ kind: 'ManagerEscalation', assignmentId: r.id, reason: 'ManagerNotAnEmailAddress', detail: manager });
      else add(byManager, manager, item);
    }
  }
  const messages: GovernanceMessage[] = [];
  for (const key of [...byOwner.keys()].sort()) {
    const e = byOwner.get(key)!;
    messages.push(ownerDigest(e.recipient, e.items.sort(attentionOrder), week));
  }
  for (const key of [...byManager.keys()].sort()) {
    const e = byManager.get(key)!;
    messages.push(escalation(e.recipient, e.items.sort(attentionOrder), week));
  }
  return { week, messages, skipped };
}
