/**
 * Browser entry of the widget benchmark: mounts deltak's sweep widget (the extension's own
 * SweepView, outside JupyterLab) and times slider input → finished redraw.
 */
import { SweepView } from '../extension/src/sweep/widget.ts';

/** One timed slider move, ms. */
interface Sample {
  factor: number;
  total: number;
  compute: number;
  draw: number;
}

const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));

async function mount(payload: unknown): Promise<void> {
  const view = new SweepView(payload);
  document.getElementById('host')!.append(view.root);
  await view.request(true);
  await nextFrame();
  (window as unknown as { view: SweepView }).view = view;
}

/**
 * Move the slider to each factor in turn (an `input` event, as a user's drag gives) and time
 * until the widget has recomputed, updated its table and finished drawing, plus the next frame.
 */
async function run(factors: number[]): Promise<Sample[]> {
  const view = (window as unknown as { view: SweepView }).view;
  const input = view.root.querySelector('input[type="range"]') as HTMLInputElement;
  const out: Sample[] = [];
  for (const f of factors) {
    const t0 = performance.now();
    input.value = String(f);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await view.whenIdle();
    await nextFrame();
    const total = performance.now() - t0;
    out.push({ factor: f, total, compute: view.lastTiming.compute, draw: view.lastTiming.draw });
  }
  return out;
}

(window as unknown as Record<string, unknown>).deltakBench = { mount, run };
