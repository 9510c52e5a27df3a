/**
 * deltak's JupyterLab MIME renderers: the interactive Δk-sweep widget, the SEM view and the
 * SEM ↔ MLP comparison. All are safe for untrusted notebooks (data are drawn as text, never as
 * HTML) and rank before JupyterLab's vega renderer (57), which draws the fallback otherwise.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { COMPARISON_MIME, SEM_MIME, SWEEP_MIME } from 'deltak/payloads';
import { SweepView } from './sweep/widget.js';
import { SemView } from './sem/widget.js';
import { ComparisonView } from './comparison/widget.js';

/** Rank of deltak's renderers: below JupyterLab's vega renderer (57), so they win. */
export const RANK = 50;

/** What every deltak view offers to its renderer. */
export interface DeltakView {
  readonly root: HTMLElement;
  /** Draw for the first time (or again). */
  request(layout: boolean): Promise<void>;
  dispose(): void;
}

type ViewFactory = (data: unknown) => DeltakView;

/** A Lumino widget that renders one deltak MIME type with a view of it. */
export class DeltakRenderer extends Widget implements IRenderMime.IRenderer {
  private view: DeltakView | null = null;

  constructor(private readonly mimeType: string, private readonly make: ViewFactory) {
    super();
    this.addClass('deltak-renderer');
  }

  /** Render (or re-render, on update_display_data) the model's payload. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.view?.dispose();
    this.view = null;
    try {
      const view = (this.view = this.make(model.data[this.mimeType]));
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

  override dispose(): void {
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
    rendererFactory: factory(SWEEP_MIME, (d) => new SweepView(d)),
    rank: RANK,
    dataType: 'json',
  },
  {
    id: 'deltak-jupyterlab:sem',
    description: 'Statistical error metrics of a DFT test set against Δk',
    rendererFactory: factory(SEM_MIME, (d) => new SemView(d)),
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
];

export default extensions;
