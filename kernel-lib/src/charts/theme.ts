/**
 * The look of deltak's charts, defined once for the widgets, the vega-lite fallback and
 * `deltak report`: one palette (a method, structure type or outcome keeps its colour in every
 * chart, light and dark), the theme colours as a vega-lite config, and a sequential scale for Δk.
 * Pure (no DOM): the browser passes the colours it reads from JupyterLab's CSS variables.
 */

/** Colours and font of a theme (CSS colour strings). */
export interface ChartTheme {
  light: boolean;
  text: string;
  secondaryText: string;
  grid: string;
  background: string;
  font: string;
}

/** JupyterLab's light theme (its CSS variables' defaults); used by `deltak report`. */
export const LIGHT_THEME: ChartTheme = {
  light: true, text: 'rgba(0, 0, 0, 0.87)', secondaryText: 'rgba(0, 0, 0, 0.54)', grid: '#e0e0e0', background: '#ffffff', font: 'system-ui, sans-serif',
};
/** JupyterLab's dark theme (its CSS variables' defaults). */
export const DARK_THEME: ChartTheme = {
  light: false, text: 'rgba(255, 255, 255, 0.87)', secondaryText: 'rgba(255, 255, 255, 0.54)', grid: '#424242', background: '#111111', font: 'system-ui, sans-serif',
};

/**
 * Series colours, colour-blind safe (Okabe–Ito without black and yellow), readable on a white
 * and on a near-black background: the same in both themes.
 */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#999999'];

/**
 * Names with a fixed colour: methods, the test set's structure types, comparison outcomes,
 * datasets. A Map, so a name like `constructor` or `__proto__` is just a name.
 */
const NAMED: ReadonlyMap<string, string> = new Map([
  ['DFT', PALETTE[0]], ['MLP', PALETTE[1]],
  ['pristine', PALETTE[0]], ['vacancy', PALETTE[1]], ['surface', PALETTE[2]], ['interstitial', PALETTE[3]], ['strained', PALETTE[4]],
  ['exact', PALETTE[2]], ['conservative', PALETTE[0]], ['mismatch', PALETTE[1]],
  ['train', PALETTE[0]], ['test', PALETTE[1]],
  ['label noise', PALETTE[0]], ['model error', PALETTE[1]],
]);

/** A stable index of a name (FNV-1a), so an unknown name has the same colour in every chart. */
function hashOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The colour of each name of `domain`: fixed for known names, otherwise chosen from the name
 * itself (another colour only when two names of the same chart would share one).
 */
export function seriesColours(domain: readonly string[]): string[] {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const n of domain) {
    const c = NAMED.get(n);
    if (c !== undefined && !used.has(c)) {
      out.set(n, c);
      used.add(c);
    }
  }
  for (const n of [...domain].sort()) {
    if (out.has(n)) continue;
    const start = hashOf(n) % PALETTE.length;
    let c = PALETTE[start];
    for (let k = 0; k < PALETTE.length && used.has(c); k++) c = PALETTE[(start + k) % PALETTE.length];
    out.set(n, c);
    used.add(c);
  }
  return domain.map((n) => out.get(n) as string);
}

/** A vega-lite colour scale of `domain` with {@link seriesColours}. */
export function colourScale(domain: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...domain], range: seriesColours(domain) };
}

/** The sequential scheme of Δk (fine → coarse), in parity plots and anywhere Δk is a colour. */
export const DK_SCHEME = 'viridis';

/**
 * The vega-lite config of a chart. With a theme, its colours on a transparent background (the
 * widgets, `deltak report`). Without one (the fallback in JupyterLab's own renderer), no colours
 * (JupyterLab's renderer applies its dark theme) and no generated ARIA descriptions: vega-lite
 * 5.6.1 pastes encoding titles into those unescaped, so a name with `"` would break the chart.
 */
export function chartConfig(theme?: ChartTheme): Record<string, unknown> {
  const base = { legend: { labelLimit: 320, titleLimit: 320 } };
  if (!theme) return { ...base, aria: false };
  const axis = {
    labelColor: theme.secondaryText, titleColor: theme.text, domainColor: theme.secondaryText, tickColor: theme.secondaryText,
    gridColor: theme.grid, labelFont: theme.font, titleFont: theme.font,
  };
  return {
    background: null,
    font: theme.font,
    view: { stroke: theme.grid },
    axis,
    header: { labelColor: theme.text, titleColor: theme.text, labelFont: theme.font, titleFont: theme.font },
    legend: { ...base.legend, labelColor: theme.text, titleColor: theme.text, labelFont: theme.font, titleFont: theme.font },
    title: { color: theme.text, font: theme.font, subtitleColor: theme.secondaryText, subtitleFont: theme.font },
    text: { color: theme.text },
  };
}

/** Width of one panel (px), number of panel columns that fit `available` px, and the width of the figure they make with their axes (px). */
export interface PanelGrid {
  columns: number;
  width: number;
  /** `columns` × (panel width + axis gutter), px: what a legend above or below the panels may span. */
  figureWidth: number;
}

/**
 * How `panels` panels wrap into `available` px: as many columns as fit at `minWidth` px (plus
 * `gutter` px each for the axis), each panel then as wide as the space allows up to `maxWidth`.
 * Where even one column at `minWidth` does not fit, the panel narrows to what is left beside
 * its axis (never below 60 px), so it stays inside the output.
 */
export function panelGrid(available: number, panels: number, options: { minWidth?: number; maxWidth?: number; gutter?: number } = {}): PanelGrid {
  const minWidth = options.minWidth ?? 170;
  const maxWidth = options.maxWidth ?? 520;
  const gutter = options.gutter ?? 80;
  const room = Math.max(0, available - 20);
  const columns = Math.max(1, Math.min(Math.max(1, panels), Math.floor(room / (minWidth + gutter))));
  const width = Math.max(Math.min(minWidth, Math.max(60, room - gutter)), Math.min(maxWidth, Math.floor(room / columns - gutter)));
  return { columns, width, figureWidth: columns * (width + gutter) };
}

/**
 * A legend above a figure `figureWidth` px wide (its panels with their axes): the entries in a
 * row, wrapped into as many 190 px columns as fit, each label cut at 160 px with an ellipsis
 * (tooltips name it in full), so a narrow output or a long name never pushes it past the figure.
 */
export function topLegend(figureWidth: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orient: 'top', direction: 'horizontal', columns: Math.max(1, Math.floor(figureWidth / 190)),
    labelLimit: 160, titleLimit: Math.max(120, figureWidth - 20), ...extra,
  };
}
