/**
 * `palisade token create` from the CLI (the token the API accepts) and the argument errors of `token` and `serve`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/api/index.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-token-'));
const env = { PALISADE_STORE: join(dir, 'store.db') };
let server: RunningServer | undefined;

afterAll(async () => {
  await server?.close();
});

describe('palisade token create', () => {
  it('prints a token the API server on the same store accepts, with its role and scope', async () => {
    const r = await runCli(['token', 'create', '--role', 'SecurityReader', '--scope', '/', '--expires', '30m'], env);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { accessToken: string; role: string; scope: string; expiresOn: string };
    expect(out.role).toBe('SecurityReader');
    expect(out.scope).toBe('/');
    const minutes = (Date.parse(out.expiresOn) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(28);
    expect(minutes).toBeLessThanOrEqual(30.5);
    server = await startServer({ store: env.PALISADE_STORE, port: 0, auth: 'token' });
    const who = await fetch(`${server.url}/palisade/v1/whoami`, { headers: { authorization: `Bearer ${out.accessToken}` } });
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ role: 'SecurityReader', scope: '/' });
    const forged = await fetch(`${server.url}/palisade/v1/whoami`, { headers: { authorization: `Bearer ${out.accessToken.slice(0, -2)}xx` } });
    expect(forged.status).toBe(401);
  });

  it('rejects an unknown role and a bad duration as argument errors (exit 2)', async () => {
    const role = await runCli(['token', 'create', '--role', 'Admin', '--scope', '/'], env);
    expect(role.code).toBe(2);
    const duration = await runCli(['token', 'create', '--role', 'Reader', '--scope', '/', '--expires', 'soon'], env);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toMatch(/soon/);
  });

  it('refuses half a TLS pair and a bad port for serve', async () => {
    const tls = await runCli(['serve', '--tls-cert', join(dir, 'c.pem')], env);
    expect(tls.code).toBe(2);
    const port = await runCli(['serve', '--port', '70000'], env);
    expect(port.code).toBe(2);
  });
});
