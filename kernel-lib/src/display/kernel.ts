/**
 * The bridge to the tslab kernel: sends a whole MIME bundle as display_data (or
 * update_display_data for an existing display id).
 *
 * tslab's public `display.raw` sends one MIME type per output; its module `tslab/dist/jupyter`
 * exports `lastWriteDisplayData(content, update)`, set by the running kernel for the current
 * cell. That binding exists only in the tslab instance that runs the kernel, so the kernel
 * must be started from this project's node_modules/tslab (the setup script registers it so).
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { MimeBundle } from './bundle.js';

/** Sends one bundle; `update` = replace the output with the same display id. */
export type DisplayWriter = (content: MimeBundle, update: boolean) => void;

let override: DisplayWriter | undefined;

/** Route displays to `writer` instead of the kernel (for tests and other front ends); undefined restores. */
export function setDisplayWriter(writer: DisplayWriter | undefined): void {
  override = writer;
}

/** The writer of the running tslab kernel; a clear error outside a kernel. */
export function kernelWriter(): DisplayWriter {
  if (override) return override;
  const require = createRequire(import.meta.url);
  let jupyter: { lastWriteDisplayData?: DisplayWriter | null };
  try {
    jupyter = require('tslab/dist/jupyter') as typeof jupyter;
  } catch {
    throw new Error('deltak display: tslab is not installed beside deltak (npm install tslab@1.0.22)');
  }
  const w = jupyter.lastWriteDisplayData;
  if (typeof w !== 'function') {
    throw new Error(
      'deltak display: not running inside a tslab kernel started from this project ' +
        '(the kernel must be the one in node_modules/tslab; run `npm run lab`)',
    );
  }
  return w;
}

/** Send `bundle` to the notebook as a new output. */
export function sendBundle(bundle: MimeBundle): void {
  kernelWriter()(bundle, false);
}

/** A display that can be replaced later (progress of long loads, live updates). */
export interface UpdatableDisplay {
  readonly id: string;
  /** Show `bundle`: the first call creates the output, later calls replace it. */
  show(bundle: MimeBundle): void;
  /** Show a line of text (e.g. "read 12/40 files"). */
  text(line: string): void;
}

/** A new updatable display with a random display id. */
export function newDisplay(): UpdatableDisplay {
  const id = randomBytes(8).toString('hex');
  let shown = false;
  const show = (bundle: MimeBundle): void => {
    kernelWriter()({ ...bundle, transient: { display_id: id } }, shown);
    shown = true;
  };
  return { id, show, text: (line: string) => show({ data: { 'text/plain': line }, metadata: {} }) };
}
