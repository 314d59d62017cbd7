/**
 * Value transforms a rule applies to a field before keying state on it (`groupBy`, first-seen values, volume
 * entities): `callerIp|ipNetwork`, `Url|urlQueryNames`, `userAgent|userAgentProduct`. Each maps one string to zero,
 * one or several strings; several values (query parameter names) make several keys.
 */
import { imageRepository } from './threat-intel.js';
import { isPrivateIp, parseIp } from './ip.js';

export type Transform = (value: string) => string | readonly string[] | undefined;

function urlParts(value: string): URL | undefined {
  try {
    return new URL(value, 'http://relative.invalid');
  } catch {
    return undefined;
  }
}

/** The type of a parameter value as API baselines see it. */
export function valueType(value: string): string {
  if (value === '') return 'empty';
  if (/^-?\d+$/.test(value)) return 'integer';
  if (/^-?\d*\.\d+(?:e[-+]?\d+)?$/i.test(value)) return 'number';
  if (/^(?:true|false)$/i.test(value)) return 'boolean';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return 'uuid';
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return 'datetime';
  if (/^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/.test(value)) return 'email';
  return 'string';
}

/** Path segments that carry a value rather than a route: numbers, GUIDs, long hex. */
function isValueSegment(segment: string): boolean {
  return /^\d+$/.test(segment) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment) || /^[0-9a-f]{16,}$/i.test(segment);
}

export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  lower: (v) => v.toLowerCase(),
  /** the /24 (IPv4) or /48 (IPv6) network of an address: a stand-in for "location" without a geo database */
  ipNetwork: (v) => {
    const ip = parseIp(v);
    if (!ip) return undefined;
    if (ip.version === 4) return `${ip.text.split('.').slice(0, 3).join('.')}.0/24`;
    return `${ip.text.split(':').slice(0, 3).join(':')}::/48`;
  },
  /** `private` or `public` */
  ipScope: (v) => {
    const ip = parseIp(v);
    return ip ? (isPrivateIp(ip) ? 'private' : 'public') : undefined;
  },
  urlPath: (v) => urlParts(v)?.pathname.toLowerCase(),
  /** the path with value segments replaced by `{}`: the endpoint a request addressed */
  urlRoute: (v) => {
    const u = urlParts(v);
    return u ? u.pathname.split('/').map((s) => (isValueSegment(s) ? '{}' : s.toLowerCase())).join('/') : undefined;
  },
  /** the values a request carried: value segments of the path and the query string */
  urlValues: (v) => {
    const u = urlParts(v);
    if (!u) return undefined;
    const values = u.pathname.split('/').filter(isValueSegment);
    for (const [k, val] of u.searchParams) values.push(`${k}=${val}`);
    return values.length === 0 ? undefined : values.join('&');
  },
  urlQueryNames: (v) => {
    const u = urlParts(v);
    return u ? [...new Set([...u.searchParams.keys()].map((k) => k.toLowerCase()))] : undefined;
  },
  /** `name:type` for each query parameter and `{n}:type` for each value segment of the path */
  urlParamTypes: (v) => {
    const u = urlParts(v);
    if (!u) return undefined;
    const out: string[] = [];
    u.pathname.split('/').forEach((s, i) => {
      if (isValueSegment(s)) out.push(`{${i}}:${valueType(s)}`);
    });
    for (const [k, val] of u.searchParams) out.push(`${k.toLowerCase()}:${valueType(val)}`);
    return out;
  },
  /** `azsdk-python-storage-blob/12.19.0 Python/3.11` → `azsdk-python-storage-blob` (versions change, products rarely) */
  userAgentProduct: (v) => {
    const first = v.trim().split(/[\s/(]/)[0];
    return first ? first.toLowerCase() : undefined;
  },
  /** `host.corp.contoso.com` → `corp.contoso.com`; undefined for a bare host name */
  hostDomain: (v) => {
    const s = v.trim().toLowerCase();
    const dot = s.indexOf('.');
    if (dot < 0 || parseIp(s)) return undefined;
    return s.slice(dot + 1) || undefined;
  },
  upnDomain: (v) => {
    const at = v.lastIndexOf('@');
    return at >= 0 ? v.slice(at + 1).toLowerCase() : undefined;
  },
  /** `/account/container/dir/blob` or `https://account.blob.../container/blob` → `container` */
  blobContainer: (v) => {
    let path = v;
    if (/^https?:\/\//i.test(v)) path = urlParts(v)?.pathname ?? '';
    const parts = path.split('/').filter(Boolean);
    if (/^https?:\/\//i.test(v)) return parts[0]?.toLowerCase();
    return (parts.length >= 2 ? parts[1] : parts[0])?.toLowerCase();
  },
  /** a host a command or statement reaches: the host of the first URL or UNC path, or the first public IP */
  externalHost: (v) => {
    const url = /\b(?:https?|ftp|tcp|udp):\/\/([^\s/:'"\\]+)/i.exec(v);
    if (url) return url[1].toLowerCase();
    const unc = /\\\\([^\s\\'"]+)\\/.exec(v);
    if (unc) return unc[1].toLowerCase();
    for (const m of v.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)) {
      const ip = parseIp(m[1]);
      if (ip && !isPrivateIp(ip)) return ip.text;
    }
    return undefined;
  },
  imageRepository: (v) => imageRepository(v),
};
