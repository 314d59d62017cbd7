/**
 * Sends the week's governance messages (notify-messages.ts) by email (SMTP, nodemailer) and webhook (HTTP POST of JSON),
 * at most once per (ISO week, kind, recipient, channel): each successful send is recorded in the store (document
 * collection `governance-notifications`), and a later run of the same week skips what is recorded. A failed send is not
 * recorded, so the next run retries it. `dryRun` sends and records nothing and reports what would be sent.
 *
 * Webhook body: {type: "Palisade.Governance.OwnerDigest" | "Palisade.Governance.ManagerEscalation", week, recipient,
 * subject, generatedAt, counts: {items, overdue}, items: [...]}; header `Idempotency-Key` (stable per week, kind,
 * recipient), so a receiver can drop duplicates. 2xx is success; redirects are not followed. When a channel cannot be
 * reached (connection refused, timeout, SMTP authentication rejected), its other messages of the run are not tried.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { PalisadeError } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import type { GovernanceAssignmentRecord } from './assignment.js';
import type { GovernanceResourceLookup } from './engine.js';
import { displayUrl, redactSecrets, type GovernanceNotifyConfig, type SmtpSettings, type WebhookSettings } from './notify-config.js';
import { buildGovernanceMessages, type GovernanceMessage, type GovernanceMessageKind, type SkippedNotification } from './notify-messages.js';

export const GOVERNANCE_NOTIFICATIONS_COLLECTION = 'governance-notifications';

export type NotificationChannel = 'email' | 'webhook';
export type NotificationStatus = 'sent' | 'alreadySent' | 'wouldSend' | 'failed';

export interface NotificationOutcome {
  kind: GovernanceMessageKind;
  recipient: string;
  channel: NotificationChannel;
  week: string;
  subject: string;
  items: number;
  overdue: number;
  status: NotificationStatus;
  /** When it was sent (this run, or the run that sent it). */
  sentAt?: string;
  error?: string;
}

export interface SentNotificationRecord {
  key: string;
  week: string;
  kind: GovernanceMessageKind;
  recipient: string;
  channel: NotificationChannel;
  subject: string;
  items: number;
  sentAt: string;
  messageId?: string;
}

export interface SendGovernanceNotificationsInput {
  records: readonly GovernanceAssignmentRecord[];
  now: Date;
  config: GovernanceNotifyConfig;
  resources: GovernanceResourceLookup;
  dryRun?: boolean;
}

export interface SendGovernanceNotificationsResult {
  week: string;
  dryRun: boolean;
  channels: { email?: string; webhook?: string };
  sent: number;
  alreadySent: number;
  failed: number;
  outcomes: NotificationOutcome[];
  skipped: SkippedNotification[];
}

/** The idempotency key of one message on one channel. */
export function notificationKey(message: Pick<GovernanceMessage, 'week' | 'kind' | 'recipient'>, channel: NotificationChannel): string {
  return `${message.week}/${message.kind}/${message.recipient.toLowerCase()}/${channel}`;
}

function overdueCount(message: GovernanceMessage): number {
  return message.items.filter((i) => i.daysOverdue > 0 || i.status === 'Overdue').length;
}

function webhookBody(message: GovernanceMessage, now: Date): Record<string, unknown> {
  return {
    type: `Palisade.Governance.${message.kind}`,
    week: message.week,
    recipient: message.recipient,
    subject: message.subject,
    generatedAt: now.toISOString(),
    counts: { items: message.items.length, overdue: overdueCount(message) },
    items: message.items,
  };
}

function smtpTransport(smtp: SmtpSettings) {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
  });
}

async function postWebhook(webhook: WebhookSettings, key: string, body: unknown): Promise<void> {
  const response = await fetch(webhook.url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(webhook.timeoutMs),
    headers: { 'content-type': 'application/json', 'idempotency-key': createHash('sha256').update(key).digest('hex') },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status > 299) throw Object.assign(new Error(`POST ${displayUrl(webhook.url)} answered ${response.status}`), { httpStatus: response.status });
}

/** Errors after which the channel's other messages of the run are not tried (they would wait for the same timeout). */
function channelDown(channel: NotificationChannel, error: unknown): boolean {
  const e = error as { name?: string; code?: string; httpStatus?: number };
  if (channel === 'email') return ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EAUTH', 'ETLS', 'EPROTOCOL'].includes(String(e?.code));
  return e?.httpStatus === undefined;
}

function errorText(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(error)}${cause && !String(e?.message).includes(cause) ? ` (${cause})` : ''}`;
}

/** Sends (or, with dryRun, plans) the week's messages on every configured channel. */
export async function sendGovernanceNotifications(store: Store, input: SendGovernanceNotificationsInput): Promise<SendGovernanceNotificationsResult> {
  const { config, now } = input;
  const dryRun = input.dryRun === true;
  if (!config.smtp && !config.webhook && !dryRun) {
    throw new PalisadeError(
      'GovernanceNotificationsNotConfigured',
      'No notification channel is configured: set PALISADE_SMTP_HOST (and PALISADE_SMTP_FROM, ...) or PALISADE_GOVERNANCE_WEBHOOK_URL, or pass --config FILE. See docs/governance.md.',
      { kind: 'argument' },
    );
  }
  const { week, messages, skipped } = buildGovernanceMessages({ records: input.records, now, config, resources: input.resources });
  const channels: NotificationChannel[] = [];
  if (config.smtp || dryRun) channels.push('email');
  if (config.webhook) channels.push('webhook');
  const result: SendGovernanceNotificationsResult = {
    week,
    dryRun,
    channels: {
      ...(config.smtp ? { email: `smtp${config.smtp.secure ? 's' : ''}://${config.smtp.host}:${config.smtp.port}` } : {}),
      ...(config.webhook ? { webhook: displayUrl(config.webhook.url) } : {}),
    },
    sent: 0,
    alreadySent: 0,
    failed: 0,
    outcomes: [],
    skipped,
  };
  const transport = config.smtp && !dryRun ? smtpTransport(config.smtp) : undefined;
  const down = new Map<NotificationChannel, string>();
  try {
    for (const message of messages) {
      for (const channel of channels) {
        const key = notificationKey(message, channel);
        const outcome: NotificationOutcome = { kind: message.kind, recipient: message.recipient, channel, week, subject: message.subject, items: message.items.length, overdue: overdueCount(message), status: 'wouldSend' };
        result.outcomes.push(outcome);
        const previous = await store.getDocument<SentNotificationRecord>(GOVERNANCE_NOTIFICATIONS_COLLECTION, key);
        if (previous) {
          outcome.status = 'alreadySent';
          outcome.sentAt = previous.sentAt;
          result.alreadySent++;
          continue;
        }
        if (dryRun) continue;
        const reason = down.get(channel);
        if (reason !== undefined) {
          outcome.status = 'failed';
          outcome.error = `not tried: ${reason}`;
          result.failed++;
          continue;
        }
        try {
          let messageId: string | undefined;
          if (channel === 'email') {
            const info = await transport!.sendMail({
              from: config.smtp!.from,
              to: message.recipient,
              subject: message.subject,
              text: message.text,
              html: message.html,
              headers: { 'X-Palisade-Notification': key },
            });
            messageId = info.messageId;
          } else {
            await postWebhook(config.webhook!, key, webhookBody(message, now));
          }
          const sentAt = new Date().toISOString();
          const record: SentNotificationRecord = { key, week, kind: message.kind, recipient: message.recipient, channel, subject: message.subject, items: message.items.length, sentAt };
          if (messageId) record.messageId = messageId;
          await store.putDocument(GOVERNANCE_NOTIFICATIONS_COLLECTION, key, record);
          outcome.status = 'sent';
          outcome.sentAt = sentAt;
          result.sent++;
        } catch (error) {
          outcome.status = 'failed';
          outcome.error = redactSecrets(errorText(error), config);
          result.failed++;
          if (channelDown(channel, error)) down.set(channel, `the ${channel === 'email' ? 'SMTP server' : 'webhook'} failed earlier in this run (${outcome.error})`);
        }
      }
    }
  } finally {
    transport?.close();
  }
  return result;
}

/** The notifications recorded as sent, oldest week first. */
export async function sentGovernanceNotifications(store: Store): Promise<SentNotificationRecord[]> {
  return (await store.listDocuments<SentNotificationRecord>(GOVERNANCE_NOTIFICATIONS_COLLECTION)).map((d) => d.body);
}
