/**
 * HTML → PDF through playwright-core driving the system's Chromium (Debian's `/usr/bin/chromium`, or
 * `$PALISADE_CHROMIUM`). Palisade never downloads a browser.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PalisadeError } from '../core/index.js';

/** Flags for a headless Chromium on a machine with no network beyond localhost. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium binary: `$PALISADE_CHROMIUM` when set (and nothing else), else Debian's `/usr/bin/chromium`. */
export function chromiumPath(env: NodeJS.ProcessEnv): string | undefined {
  const candidates = env.PALISADE_CHROMIUM ? [env.PALISADE_CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => existsSync(p));
}

/** Prints self-contained HTML to a PDF file; coded errors say how to install Chromium when it is missing. */
export async function htmlToPdf(html: string, outFile: string, env: NodeJS.ProcessEnv): Promise<void> {
  const executablePath = chromiumPath(env);
  if (!executablePath) {
    throw new PalisadeError(
      'ChromiumNotFound',
      'PDF export needs Chromium: install it with `apt-get install chromium` (Debian/Ubuntu), or set PALISADE_CHROMIUM to a Chrome/Chromium binary. The html format needs nothing.',
      { kind: 'io' },
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'palisade-pdf-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS });
    try {
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      await page.pdf({ path: outFile, format: 'A4', landscape: true, scale: 0.7, printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
    } finally {
      await context.close();
    }
  } catch (error) {
    if (error instanceof PalisadeError) throw error;
    throw new PalisadeError('PdfExportFailed', `Chromium could not print the report: ${(error as Error).message.split('\n')[0]}`, { kind: 'io', cause: error });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  if (!existsSync(outFile) || !readFileSync(outFile).subarray(0, 5).equals(Buffer.from('%PDF-'))) {
    throw new PalisadeError('PdfExportFailed', `Chromium did not write a PDF to '${outFile}'`, { kind: 'io' });
  }
}
