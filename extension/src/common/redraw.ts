/**
 * One drawing at a time: requests made while a drawing runs are merged into one more drawing of
 * the latest state. The element's `data-deltak-busy` is "true" while drawings run, so tests and
 * benchmarks can wait for a finished redraw.
 */
export class Redraw {
  private running: Promise<void> | null = null;
  private dirty = false;
  private needLayout = false;
  private stopped = false;

  /**
   * `draw(layout)` draws the current state (`layout`: the chart's structure changed, not only its
   * data); its errors go to `onError` and do not stop later drawings.
   */
  constructor(
    private readonly root: HTMLElement,
    private readonly draw: (layout: boolean) => Promise<void>,
    private readonly onError: (e: Error) => void,
  ) {}

  /** Ask for a drawing; resolves when every requested drawing is finished. */
  request(layout: boolean): Promise<void> {
    this.dirty = true;
    this.needLayout ||= layout;
    if (!this.running) {
      this.root.dataset.deltakBusy = 'true';
      this.running = this.loop().finally(() => {
        this.running = null;
        this.root.dataset.deltakBusy = 'false';
      });
    }
    return this.running;
  }

  /** Resolves when every requested drawing is finished. */
  whenIdle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** No drawing starts after this; `stopped` tells a running one to discard its result. */
  stop(): void {
    this.stopped = true;
  }

  /** True once {@link stop} was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      const layout = this.needLayout;
      this.needLayout = false;
      try {
        await this.draw(layout);
      } catch (e) {
        this.onError(e as Error);
      }
    }
  }
}
