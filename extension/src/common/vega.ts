/**
 * Drawing vega-lite specs with vega's SVG renderer, updating their data in place, and exporting
 * the drawing as SVG or PNG.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CAPTION_LINE } from './context.js';

/** A drawn chart whose named dataset can be replaced. */
export class Chart {
  private constructor(readonly view: View) {}

  /**
   * Draw `spec` (vega-lite 5, with a dataset named `dataName`) into `container` with `values`
   * (`dataName` null: the spec's data are inline). Resolves when the drawing is finished.
   */
  static async draw(container: HTMLElement, spec: TopLevelSpec, dataName: string | null, values: object[]): Promise<Chart> {
    const vg = compile(spec).spec;
    const view = new View(parse(vg), { renderer: 'svg', container, hover: true });
    if (dataName !== null) view.data(dataName, values);
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

  /**
   * The drawing as PNG bytes at `scale`× resolution on `background`, with `caption` lines (text
   * in `colour`, {@link CAPTION_LINE} px each) drawn in a band below the chart.
   */
  async png(background: string, caption: readonly string[] = [], colour = '#000000', scale = 2): Promise<Uint8Array> {
    const bg = this.view.background();
    this.view.background(background);
    let chart: HTMLCanvasElement;
    try {
      chart = (await this.view.toCanvas(scale)) as unknown as HTMLCanvasElement;
    } finally {
      this.view.background(bg);
    }
    const band = caption.length ? (caption.length * CAPTION_LINE + 8) * scale : 0;
    const out = document.createElement('canvas');
    out.width = chart.width;
    out.height = chart.height + band;
    const g = out.getContext('2d');
    if (!g) throw new Error('no 2D canvas to draw the PNG');
    g.fillStyle = background;
    g.fillRect(0, 0, out.width, out.height);
    g.drawImage(chart, 0, 0);
    g.fillStyle = colour;
    g.font = `${11 * scale}px sans-serif`;
    caption.forEach((line, i) => g.fillText(line, 6 * scale, chart.height + (i + 1) * CAPTION_LINE * scale));
    const blob = await new Promise<Blob>((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'));
    return new Uint8Array(await blob.arrayBuffer());
  }

  /** The values of a point selection's `field` (e.g. the methods picked in a legend); [] when none. */
  pointSelection(param: string): string[] {
    const store = this.view.data(`${param}_store`) as { values?: unknown[] }[];
    return store.flatMap((t) => (t.values ?? []).map(String));
  }

  /** Pick `values` of `field` in a point selection (none: clear it); resolves when redrawn. */
  async setPointSelection(param: string, field: string, values: readonly string[]): Promise<void> {
    this.view.data(`${param}_store`, values.map((v) => ({ fields: [{ type: 'E', field }], values: [v] })));
    await this.view.runAsync();
  }

  /** Call `onChange` when a point selection changes (a click in the legend). */
  watchSelection(param: string, onChange: () => void): void {
    this.view.addDataListener(`${param}_store`, () => onChange());
  }

  /** Release the view's listeners and timers. */
  dispose(): void {
    this.view.finalize();
  }
}
