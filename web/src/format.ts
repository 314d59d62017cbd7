import type { Score } from './types';

export function fmtPoints(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  return (Math.round(n * 100) / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function fmtPercent(fraction: number | undefined, digits = 0): string {
  if (fraction === undefined || Number.isNaN(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function fmtInt(n: number | undefined): string {
  return n === undefined ? '–' : n.toLocaleString('en-US');
}

export function fmtScore(s: Score | undefined): string {
  return s ? `${fmtPoints(s.current)} / ${fmtPoints(s.max)}` : '–';
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** The last segment(s) of a resource id worth showing: its name, with the resource group. */
export function resourceName(id: string): string {
  const parts = id.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? id;
}

export function resourceGroupOf(id: string): string | undefined {
  const m = /\/resourceGroups\/([^/]+)/i.exec(id);
  return m?.[1];
}

export function resourceTypeOf(id: string): string {
  const m = /\/providers\/(.+)$/i.exec(id);
  if (!m) return /\/resourceGroups\/[^/]+$/i.test(id) ? 'Resource group' : /^\/subscriptions\/[^/]+$/i.test(id) ? 'Subscription' : '';
  const segs = m[1].split('/');
  const type = [segs[0]];
  for (let i = 1; i < segs.length; i += 2) type.push(segs[i]);
  return type.join('/');
}

export const SEVERITY_ORDER: Record<string, number> = { Critical: 4, High: 3, Medium: 2, Low: 1 };
export const RISK_LEVELS = ['Critical', 'High', 'Medium', 'Low'] as const;

/** Long ARM ids inside a message ("Exempt by /subscriptions/…/policyExemptions/x") shortened to their last name. */
export function shortenIds(text: string): string {
  return text.replace(/\/(?:subscriptions|providers)\/[^\s'",;]+/gi, (id) => resourceName(id));
}

export const ALERT_SEVERITIES = ['High', 'Medium', 'Low', 'Informational'] as const;
export const ALERT_SEVERITY_ORDER: Record<string, number> = { High: 4, Medium: 3, Low: 2, Informational: 1 };
export const ALERT_STATUSES = ['Active', 'InProgress', 'Resolved', 'Dismissed'] as const;

/** "InProgress" → "In progress", "OnTime" → "On time": a status code as words. */
export function statusLabel(code: string): string {
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2');
  return words.charAt(0) + words.slice(1).toLowerCase();
}

/** A .NET TimeSpan ("30.00:00:00", "7.12:00:00", "12:00:00") as days and hours. */
export function fmtTimeframe(span: string | undefined): string {
  if (!span) return '–';
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(span);
  if (!m) return span;
  const days = Number(m[1] ?? 0);
  const hours = Number(m[2]);
  const parts = [];
  if (days) parts.push(`${days} day${days === 1 ? '' : 's'}`);
  if (hours) parts.push(`${hours} hour${hours === 1 ? '' : 's'}`);
  return parts.join(' ') || 'immediately';
}

/** A date-time as its date only ("2026-10-01"). */
export function fmtDay(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}
