/**
 * deltak's JupyterLab MIME renderers: the interactive Δk-sweep widget, the SEM view, the
 * SEM ↔ MLP comparison, the error budget and charts shown as they are. All are safe for untrusted notebooks (data
 * are drawn as text, never as HTML; a chart's spec is drawn by vega, as JupyterLab's own
 * renderer would) and rank before JupyterLab's vega renderer (57), which draws the fallback
 * otherwise.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { CHART_MIME, COMPARISON_MIME, ERROR_BUDGET_MIME, SEM_MIME, SWEEP_MIME, VEGALITE_MIME } from 'deltak/payloads';
import { SweepView } from './sweep/widget.js';
import { SemView } from './sem/widget.js';
import { ComparisonView } from './comparison/widget.js';
import { FigureView } from './chart/widget.js';
import { BudgetView } from './budget/widget.js';

/** Rank of deltak's renderers: below JupyterLab's vega renderer (57), so they win. */
export const RANK = 50;

/** What every deltak view offers to its renderer. */
export interface DeltakView {
  readonly root: HTMLElement;
  /**
   * Draw for the first time (or again); resolves when drawn. The first drawing waits until the
   * view is in a laid-out page, so its chart is built once, at the output area's width.
   */
  request(layout: boolean): Promise<void>;
  /** The view was put in the page: measure its width (a waiting first drawing starts). */
  attached(): void;
  /** Called with the view's state (plain JSON) when the user changes it. */
  onStateChange: ((state: Record<string, unknown>) => void) | null;
  dispose(): void;
}

/**
 * A view of a payload (untrusted JSON), opened on a state saved in the notebook (untrusted too;
 * undefined when none); `bundle`: every MIME type of the output (untrusted).
 */
type ViewFactory = (data: unknown, saved: unknown, bundle: Readonly<Record<string, unknown>>) => DeltakView;

/** How long the renderer waits after the last change before it writes the state to the notebook, ms. */
export const SAVE_DELAY = 250;

/**
 * A Lumino widget that renders one deltak MIME type with a view of it. The view's state is
 * saved in the output's metadata under the MIME type (`{"state": {...}}`), so the notebook file
 * keeps it and the view reopens on it; opening alone writes nothing (the notebook stays clean).
 */
export class DeltakRenderer extends Widget implements IRenderMime.IRenderer {
  private view: DeltakView | null = null;
  private model: IRenderMime.IMimeModel | null = null;
  /** True while this renderer writes its model (the output area then renders the same model again). */
  private writing = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly mimeType: string, private readonly make: ViewFactory) {
    super();
    this.addClass('deltak-renderer');
  }

  /**
   * Render (or re-render, on update_display_data) the model's payload; resolves when the view has
   * drawn. The output area calls this before it attaches the widget: the chart is built when the
   * widget is attached and its width known (at once when it is attached already).
   */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    // our own metadata write comes back as a render of the same model: the view is already right
    if (this.writing && model === this.model && this.view) return;
    this.flush();
    this.view?.dispose();
    this.view = null;
    this.model = model;
    try {
      const saved = (model.metadata[this.mimeType] as { state?: unknown } | undefined)?.state;
      const view = (this.view = this.make(model.data[this.mimeType], saved, model.data));
      view.onStateChange = (state) => this.save(state);
      this.node.replaceChildren(view.root);
      await view.request(true);
    } catch (e) {
      const msg = document.createElement('pre');
      msg.className = 'deltak-error';
      msg.setAttribute('role', 'alert');
      msg.textContent = `deltak: cannot show this ${this.mimeType} output: ${(e as Error).message}`;
      this.node.replaceChildren(msg);
    }
  }

  /** The output area put the widget in the page: the view can measure its width and draw. */
  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this.view?.attached();
  }

  private pending: Record<string, unknown> | null = null;

  /** Write `state` to the output's metadata, after {@link SAVE_DELAY} ms without a newer one. */
  private save(state: Record<string, unknown>): void {
    this.pending = state;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_DELAY);
  }

  /** Write the pending state now. */
  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const state = this.pending;
    const model = this.model;
    this.pending = null;
    if (!state || !model) return;
    const own = (model.metadata[this.mimeType] ?? {}) as Record<string, unknown>;
    this.writing = true;
    try {
      model.setData({ metadata: { ...model.metadata, [this.mimeType]: { ...own, state } } as IRenderMime.IMimeModel['metadata'] });
    } catch {
      // the output is gone (cleared, or its notebook closed): nothing to keep the state in
    } finally {
      this.writing = false;
    }
  }

  override dispose(): void {
    this.flush();
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}

function factory(mimeType: string, make: ViewFactory): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [mimeType],
    defaultRank: RANK,
    createRenderer: () => new DeltakRenderer(mimeType, make),
  };
}

const extensions: IRenderMime.IExtension[] = [
  {
    id: 'deltak-jupyterlab:sweep',
    description: 'Interactive Δk sweep with thresholds recomputed in the browser',
    rendererFactory: factory(SWEEP_MIME, (d, saved) => new SweepView(d, saved)),
    rank: RANK,
    dataType: 'json',
  },
  {
    id: 'deltak-jupyterlab:sem',
    description: 'Statistical error metrics of a DFT test set against Δk',
    rendererFactory: factory(SEM_MIME, (d, saved) => new SemView(d, saved)),
    rank: RANK,
    dataType: 'json',
  },
  {
    id: 'deltak-jupyterlab:comparison',
    description: 'SEM thresholds against MLP thresholds, and the recommended Δk',
    rendererFactory: factory(COMPARISON_MIME, (d) => new ComparisonView(d)),
    rank: RANK,
    dataType: 'json',
  },
  {
    id: 'deltak-jupyterlab:errorbudget',
    description: 'Error budget: label noise of the DFT test set beside the MLP test error per Δk, with the verdict of each Δk',
    rendererFactory: factory(ERROR_BUDGET_MIME, (d) => new BudgetView(d)),
    rank: RANK,
    dataType: 'json',
  },
  {
    id: 'deltak-jupyterlab:chart',
    description: "A chart of deltak's charts module (its vega-lite v5 spec) in the notebook's theme, drawn without adding to the notebook",
    rendererFactory: factory(CHART_MIME, (d, _saved, bundle) => new FigureView(d, bundle[VEGALITE_MIME])),
    rank: RANK,
    dataType: 'json',
  },
];

export default extensions;
