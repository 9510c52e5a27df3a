/**
 * JupyterLab's light and dark themes, read from its CSS variables, as a vega-lite config and
 * series colours; and a watcher that reports theme changes.
 */

/** Colours and font of the current theme (CSS colour strings). */
export interface Theme {
  light: boolean;
  text: string;
  secondaryText: string;
  grid: string;
  background: string;
  font: string;
  /** Series colours, colour-blind safe (Okabe–Ito), chosen for contrast with the background. */
  palette: string[];
}

const LIGHT_PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const DARK_PALETTE = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7', '#F0E442', '#D55E00', '#FFFFFF'];

/** Whether JupyterLab shows a light theme (its body attribute; light when absent). */
export function isLightTheme(doc: Document = document): boolean {
  return doc.body.getAttribute('data-jp-theme-light') !== 'false';
}

/** The theme as seen from `node` (CSS variables inherit from JupyterLab's root). */
export function readTheme(node: Element): Theme {
  const light = isLightTheme(node.ownerDocument);
  const css = getComputedStyle(node);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    light,
    text: v('--jp-ui-font-color1', light ? 'rgba(0, 0, 0, 0.87)' : 'rgba(255, 255, 255, 0.87)'),
    secondaryText: v('--jp-ui-font-color2', light ? 'rgba(0, 0, 0, 0.54)' : 'rgba(255, 255, 255, 0.54)'),
    grid: v('--jp-border-color2', light ? '#e0e0e0' : '#424242'),
    background: v('--jp-layout-color0', light ? '#ffffff' : '#111111'),
    font: v('--jp-ui-font-family', 'system-ui, sans-serif'),
    palette: light ? LIGHT_PALETTE : DARK_PALETTE,
  };
}

/** A vega-lite config drawing with the theme's colours on a transparent background. */
export function vegaConfig(t: Theme): Record<string, unknown> {
  const axis = {
    labelColor: t.secondaryText,
    titleColor: t.text,
    domainColor: t.secondaryText,
    tickColor: t.secondaryText,
    gridColor: t.grid,
    labelFont: t.font,
    titleFont: t.font,
  };
  return {
    background: null,
    font: t.font,
    view: { stroke: t.grid },
    axis,
    header: { labelColor: t.text, titleColor: t.text, labelFont: t.font, titleFont: t.font },
    legend: { labelColor: t.text, titleColor: t.text, labelFont: t.font, titleFont: t.font },
    title: { color: t.text, font: t.font },
    text: { color: t.text },
  };
}

/**
 * Call `onChange` when JupyterLab switches theme (its body attributes change); returns the
 * function that stops watching.
 */
export function watchTheme(onChange: () => void, doc: Document = document): () => void {
  const obs = new MutationObserver(() => onChange());
  obs.observe(doc.body, { attributes: true, attributeFilter: ['data-jp-theme-light', 'data-jp-theme-name'] });
  return () => obs.disconnect();
}
