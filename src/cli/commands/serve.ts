/**
 * `palisade serve [--port 8443] [--host 127.0.0.1] [--tls-cert F --tls-key F | --tls-self-signed] [--auth token|none]
 * [--web DIR]`: the ARM-compatible API server over the store (see docs/api.md). Prints the URL; started on a terminal
 * it also prints a fresh Owner token for the tenant root (1 hour). Runs until SIGINT / SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { startServer } from '../../api/index.js';
import type { Run } from '../run.js';
import type { CommandContext } from '../context.js';

/** The built dashboard (npm run build:web), served by default when present. */
export const WEB_DIST = join(import.meta.dirname, '..', '..', '..', 'web', 'dist');

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError(`'${value}' is not a port (0-65535).`);
  return Number(value);
}

export function serveCommand(run: Run): Command {
  return new Command('serve')
    .description('Serve the ARM-compatible API (Microsoft.Security, Microsoft.Authorization policy, PolicyInsights) and the dashboard over the store.')
    .option('--port <port>', 'Port to listen on (0: a random free port).', port, 8443)
    .option('--host <host>', 'Address to listen on.', '127.0.0.1')
    .option('--tls-cert <file>', 'TLS certificate (PEM); with --tls-key.')
    .option('--tls-key <file>', 'TLS private key (PEM); with --tls-cert.')
    .option('--tls-self-signed', 'Serve HTTPS with a generated self-signed certificate (needs openssl).')
    .addOption(new Option('--auth <mode>', "token: HMAC bearer tokens ('palisade token create'); none: no authentication (loopback only).").choices(['token', 'none']).default('token'))
    .option('--web <dir>', 'Serve this directory (the built dashboard) at / (default: web/dist when it is built).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ port: number; host: string; tlsCert?: string; tlsKey?: string; tlsSelfSigned?: boolean; auth: 'token' | 'none'; web?: string }>();
        if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new PalisadeError('ArgumentUsageError', 'usage error: --tls-cert FILE --tls-key FILE (both)', { kind: 'argument' });
        if (opts.tlsCert && opts.tlsSelfSigned) throw new PalisadeError('ArgumentUsageError', 'usage error: --tls-cert/--tls-key | --tls-self-signed', { kind: 'argument' });
        const tls = opts.tlsSelfSigned ? ('self-signed' as const) : opts.tlsCert ? { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey!) } : undefined;
        const web = opts.web ?? (existsSync(join(WEB_DIST, 'index.html')) ? WEB_DIST : undefined);
        await serveUntilStopped(ctx, { host: opts.host, port: opts.port, tls, auth: opts.auth, web, printToken: ctx.io.stdoutIsTTY });
      });
    });
}

export interface ServeOptions {
  host: string;
  port: number;
  tls?: 'self-signed' | { cert: Buffer; key: Buffer };
  auth: 'token' | 'none';
  web?: string;
  /** Print a fresh Owner token for the tenant root (1 hour). */
  printToken: boolean;
}

/** Starts the API server over the command's store, prints its URL (and a token), and serves until SIGINT / SIGTERM. */
export async function serveUntilStopped(ctx: CommandContext, opts: ServeOptions): Promise<void> {
  const store = ctx.options.store ?? ctx.io.env.PALISADE_STORE ?? '.palisade/palisade.db';
  const server = await startServer({
    store,
    host: opts.host,
    port: opts.port,
    tls: opts.tls,
    auth: opts.auth,
    webRoot: opts.web,
    env: ctx.io.env,
    logger: { info: (m) => ctx.logger.info(m), warning: (m) => ctx.logger.warning(m), error: (m) => ctx.io.stderr(`ERROR: ${m}\n`) },
  });
  ctx.io.stdout(`Palisade API${opts.web ? ' and dashboard' : ''} listening on ${server.url}\n`);
  if (opts.auth === 'token' && opts.printToken) {
    const token = server.createToken({ role: 'Owner', scope: '/', expiresIn: '1h' });
    ctx.io.stdout(`Owner token for the tenant root (1 hour; 'palisade token create' makes more):\n${token}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
}
