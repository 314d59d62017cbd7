/**
 * A self-signed certificate for `palisade serve --tls-self-signed`. Node's crypto can make keys but not X.509
 * certificates, and no certificate library is installed, so this runs the `openssl` command (present on Debian and
 * in CI); without it, a coded error says to pass --tls-cert/--tls-key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PalisadeError } from '../core/index.js';

export interface TlsMaterial {
  cert: string;
  key: string;
}

/** An EC P-256 key and a certificate for localhost / 127.0.0.1 / ::1 (and `hosts`), valid `days` days. */
export function selfSignedCertificate(hosts: readonly string[] = [], days = 30): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-tls-'));
  try {
    const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
    for (const h of hosts) {
      if (h === '' || h === '0.0.0.0' || h === '::') continue;
      names.add(/^[\d.]+$/.test(h) || h.includes(':') ? `IP:${h}` : `DNS:${h}`);
    }
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', String(days), '-subj', '/CN=palisade-local', '-addext', `subjectAltName=${[...names].join(',')}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } catch (err) {
    throw new PalisadeError('SelfSignedCertificateFailed', `could not create a self-signed certificate with openssl (${(err as Error).message.split('\n')[0]}); pass --tls-cert FILE --tls-key FILE instead`, { kind: 'io', cause: err });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
