/** Real receivers for the export tests: an HTTP webhook that counts idempotency keys, and a nats-server of our own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: unknown;
  url: string;
  /** The status the webhook answered. */
  status?: number;
}

/** A local webhook. `respond` decides each answer (default 200); every request is recorded. */
export class Webhook {
  readonly requests: ReceivedRequest[] = [];
  respond: (req: ReceivedRequest, n: number) => { status: number; headers?: Record<string, string>; delayMs?: number } = () => ({ status: 200 });
  private server?: Server;

  async start(port = 0): Promise<number> {
    this.server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as text
        }
        const r: ReceivedRequest = { headers: req.headers, body, url: req.url ?? '' };
        const answer = this.respond(r, this.requests.length);
        const send = () => {
          r.status = answer.status;
          this.requests.push(r);
          res.writeHead(answer.status, answer.headers ?? {}).end('{}');
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Distinct Idempotency-Key values of the 2xx-answered requests. */
  deliveredKeys(): Set<string> {
    return new Set(this.requests.filter((r) => r.status! >= 200 && r.status! < 300).map((r) => String(r.headers['idempotency-key'])));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export const NATS_SERVER = process.env.PALISADE_NATS_SERVER ?? '/usr/sbin/nats-server';

/** Starts our own nats-server with JetStream on a port and a store directory; resolves when it accepts connections. */
export async function startNatsServer(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c) => (log += String(c)));
  child.stderr!.on('data', (c) => (log += String(c)));
  const started = Date.now();
  for (;;) {
    if (/Server is ready/.test(log)) return child;
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${log}`);
    if (Date.now() - started > 15_000) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** Waits until `check` is true (polling), or fails after the timeout. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
