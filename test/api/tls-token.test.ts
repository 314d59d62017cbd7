/** HTTPS with a self-signed certificate (openssl), and tokens made over the store (what `palisade token create` runs) working against a server on the same store. */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApiToken, startServer } from '../../src/api/index.js';
import { openStore } from '../../src/store/index.js';

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('TLS and store-signed tokens', () => {
  it('serves HTTPS with a self-signed certificate; a token from createApiToken works', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'palisade-api-tls-')), 'p.db');
    const store = await openStore(path);
    const made = await createApiToken(store, { role: 'SecurityReader', scope: '/subscriptions/00000000-0000-0000-0000-000000000001', expiresIn: '30m' });
    await store.close();
    expect(made).toMatchObject({ role: 'SecurityReader', scope: '/subscriptions/00000000-0000-0000-0000-000000000001' });
    expect(Date.parse(made.expiresOn) - Date.now()).toBeGreaterThan(29 * 60e3);
    const server = await startServer({ store: path, port: 0, auth: 'token', tls: 'self-signed' });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await httpsGet(`${server.url}/palisade/v1/whoami`, server.certificate!, made.accessToken);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ role: 'SecurityReader', scope: made.scope });
    } finally {
      await server.close();
    }
  }, 30_000);
});
