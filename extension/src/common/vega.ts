/**
 * Drawing vega-lite specs with vega's SVG renderer, updating their data in place, and exporting
 * the drawing as SVG or PNG.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A drawn chart whose named dataset can be replaced. */
export class Chart {
  private constructor(readonly view: View) {}

  /**
   * Draw `spec` (vega-lite 5, with a dataset named `dataName`) into `container` with `values`.
   * Resolves when the drawing is finished.
   */
  static async draw(container: HTMLElement, spec: TopLevelSpec, dataName: string, values: object[]): Promise<Chart> {
    const vg = compile(spec).spec;
    const view = new View(parse(vg), { renderer: 'svg', container, hover: true });
    view.data(dataName, values);
    await view.runAsync();
    return new Chart(view);
  }

  /** Replace the dataset `dataName` and redraw; resolves when the drawing is finished. */
  async setData(dataName: string, values: object[]): Promise<void> {
    this.view.data(dataName, values);
    await this.view.runAsync();
  }

  /** The drawing as an SVG document (text). */
  svg(): Promise<string> {
    return this.view.toSVG();
  }

  /** The drawing as a PNG data URL at `scale`× resolution on `background`. */
  async png(background: string, scale = 2): Promise<string> {
    const bg = this.view.background();
    this.view.background(background);
    try {
      return await this.view.toImageURL('png', scale);
    } finally {
      this.view.background(bg);
    }
  }

  /** Release the view's listeners and timers. */
  dispose(): void {
    this.view.finalize();
  }
}
