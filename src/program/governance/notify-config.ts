/**
 * Where governance notifications go: SMTP (nodemailer) and/or a webhook, and how an owner's manager is found.
 *
 * An optional JSON file (`--config FILE` or `$PALISADE_GOVERNANCE_CONFIG`):
 *
 *   {
 *     "smtp": { "host": "smtp.contoso.com", "port": 587, "secure": false, "user": "palisade",
 *               "passwordEnv": "PALISADE_SMTP_PASSWORD", "from": "Palisade <palisade@contoso.com>" },
 *     "webhook": { "urlEnv": "PALISADE_GOVERNANCE_WEBHOOK_URL" },          // or "url": "https://..."
 *     "managerTag": "manager",
 *     "managers": { "ana@contoso.com": "lead@contoso.com" }
 *   }
 *
 * then the environment, which wins: PALISADE_SMTP_HOST, PALISADE_SMTP_PORT (default 465 when secure, else 587),
 * PALISADE_SMTP_SECURE (true: TLS from the first byte; false: STARTTLS when the server offers it), PALISADE_SMTP_USER,
 * PALISADE_SMTP_PASSWORD, PALISADE_SMTP_FROM (default `Palisade <palisade@localhost>`), PALISADE_GOVERNANCE_WEBHOOK_URL,
 * PALISADE_GOVERNANCE_MANAGER_TAG (default `manager`). The SMTP password is read from the environment only (a
 * `password` in the file is refused); neither it nor the webhook URL is ever printed or logged.
 */
import { PalisadeError, jsonPath, safeJsonParse } from '../../core/index.js';
import { isEmailAddress } from './rule.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  timeoutMs: number;
}

export interface WebhookSettings {
  url: string;
  timeoutMs: number;
}

export interface GovernanceNotifyConfig {
  smtp?: SmtpSettings;
  webhook?: WebhookSettings;
  /** The resource tag that names the owner's manager (checked first). */
  managerTag: string;
  /** Owner email (lower-cased) → manager email, used when the resource has no manager tag. */
  managers: Map<string, string>;
}

export const DEFAULT_MANAGER_TAG = 'manager';
export const DEFAULT_FROM = 'Palisade <palisade@localhost>';
const TIMEOUT_MS = 15_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `user@host` or `Name <user@host>` (a host without a dot, such as localhost, is allowed here). */
function isFromAddress(text: string): boolean {
  const named = /^[^<>]*<([^<>]+)>$/.exec(text.trim());
  return /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/.test(named ? named[1].trim() : text.trim());
}

/** Reads the notification settings from the config file's text (optional) and the environment. */
export function governanceNotifyConfig(env: NodeJS.ProcessEnv, file?: { path: string; text: string }): GovernanceNotifyConfig {
  const bad = (segments: Array<string | number>, message: string, code = 'InvalidGovernanceNotifyConfig') => {
    const path = jsonPath(segments);
    return new PalisadeError(code, `${file ? `${file.path}: ` : ''}${path}: ${message}`, { kind: 'validation', target: path, location: { file: file?.path, path } });
  };
  let doc: Record<string, unknown> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = safeJsonParse(file.text);
    } catch (error) {
      throw new PalisadeError('InvalidGovernanceNotifyConfig', `${file.path}: not valid JSON (${(error as Error).message}).`, { kind: 'validation', location: { file: file.path } });
    }
    if (!isRecord(parsed)) throw bad([], 'the configuration must be a JSON object.');
    doc = parsed;
  }
  const section = (name: string): Record<string, unknown> => {
    const v = doc[name];
    if (v === undefined || v === null) return {};
    if (!isRecord(v)) throw bad([name], `${name} must be an object.`);
    return v;
  };
  const str = (obj: Record<string, unknown>, key: string, segments: Array<string | number>): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw bad(segments, `${key} must be a string.`);
    return v;
  };
  const envText = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };

  // ---- SMTP
  const s = section('smtp');
  if (s.password !== undefined) throw bad(['smtp', 'password'], 'the SMTP password is not read from a file: set PALISADE_SMTP_PASSWORD (or name another variable in smtp.passwordEnv).', 'SecretInConfigFile');
  const host = envText('PALISADE_SMTP_HOST') ?? str(s, 'host', ['smtp', 'host']);
  let smtp: SmtpSettings | undefined;
  if (host) {
    const secureText = envText('PALISADE_SMTP_SECURE');
    let secure = false;
    if (secureText !== undefined) {
      if (!/^(true|false|1|0|yes|no)$/i.test(secureText)) throw new PalisadeError('InvalidGovernanceNotifyConfig', `PALISADE_SMTP_SECURE='${secureText}' is not true or false.`, { kind: 'argument', target: 'PALISADE_SMTP_SECURE' });
      secure = /^(true|1|yes)$/i.test(secureText);
    } else if (s.secure !== undefined) {
      if (typeof s.secure !== 'boolean') throw bad(['smtp', 'secure'], 'secure must be true or false.');
      secure = s.secure;
    }
    const portText = envText('PALISADE_SMTP_PORT');
    let port = secure ? 465 : 587;
    if (portText !== undefined) {
      if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw new PalisadeError('InvalidGovernanceNotifyConfig', `PALISADE_SMTP_PORT='${portText}' is not a port (1-65535).`, { kind: 'argument', target: 'PALISADE_SMTP_PORT' });
      port = Number(portText);
    } else if (s.port !== undefined) {
      if (typeof s.port !== 'number' || !Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw bad(['smtp', 'port'], 'port must be an integer from 1 to 65535.');
      port = s.port;
    }
    const passwordEnv = str(s, 'passwordEnv', ['smtp', 'passwordEnv']) ?? 'PALISADE_SMTP_PASSWORD';
    const from = envText('PALISADE_SMTP_FROM') ?? str(s, 'from', ['smtp', 'from']) ?? DEFAULT_FROM;
    if (!isFromAddress(from)) throw bad(['smtp', 'from'], `'${from}' is not an email address (or "Name <address>").`);
    smtp = { host, port, secure, from, timeoutMs: TIMEOUT_MS };
    const user = envText('PALISADE_SMTP_USER') ?? str(s, 'user', ['smtp', 'user']);
    if (user) smtp.user = user;
    const password = env[passwordEnv];
    if (password) smtp.password = password;
  }

  // ---- webhook
  const w = section('webhook');
  const urlEnv = str(w, 'urlEnv', ['webhook', 'urlEnv']);
  const url = envText('PALISADE_GOVERNANCE_WEBHOOK_URL') ?? (urlEnv ? envText(urlEnv) : undefined) ?? str(w, 'url', ['webhook', 'url']);
  let webhook: WebhookSettings | undefined;
  if (url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
      throw new PalisadeError('InvalidGovernanceNotifyConfig', 'The governance webhook URL is not an http(s) URL.', { kind: 'validation', target: 'webhook.url' });
    }
    webhook = { url, timeoutMs: TIMEOUT_MS };
  }

  // ---- managers
  const managerTag = envText('PALISADE_GOVERNANCE_MANAGER_TAG') ?? str(doc, 'managerTag', ['managerTag']) ?? DEFAULT_MANAGER_TAG;
  const managers = new Map<string, string>();
  const m = section('managers');
  for (const [owner, manager] of Object.entries(m)) {
    if (!isEmailAddress(owner)) throw bad(['managers', owner], `'${owner}' is not an email address.`);
    if (typeof manager !== 'string' || !isEmailAddress(manager.trim())) throw bad(['managers', owner], `the manager of ${owner} must be an email address.`);
    managers.set(owner.toLowerCase(), manager.trim());
  }
  return { smtp, webhook, managerTag, managers };
}

/** A URL as it may be shown: scheme, host and path, no credentials, query or fragment (where tokens live). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search || u.hash ? ' (query hidden)' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Removes the configuration's secrets (SMTP password, webhook URL and its query) from a message. */
export function redactSecrets(text: string, config: GovernanceNotifyConfig): string {
  let out = text;
  const secrets: string[] = [];
  if (config.smtp?.password) secrets.push(config.smtp.password);
  if (config.webhook) {
    secrets.push(config.webhook.url);
    try {
      const u = new URL(config.webhook.url);
      if (u.search) secrets.push(u.search.slice(1));
      for (const value of u.searchParams.values()) secrets.push(value);
      if (u.password) secrets.push(u.password);
    } catch {
      // not a URL: the whole string is already listed
    }
  }
  for (const secret of secrets.filter((x) => x.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}
