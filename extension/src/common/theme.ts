/**
 * JupyterLab's light and dark themes, read from its CSS variables as a {@link ChartTheme} (the
 * charts' colours and config come from deltak's charts module); and a watcher that reports
 * theme changes.
 */
import { DARK_THEME, LIGHT_THEME, type ChartTheme } from 'deltak/charts';

export type { ChartTheme as Theme } from 'deltak/charts';

/** Whether JupyterLab shows a light theme (its body attribute; light when absent). */
export function isLightTheme(doc: Document = document): boolean {
  return doc.body.getAttribute('data-jp-theme-light') !== 'false';
}

/** The theme as seen from `node` (CSS variables inherit from JupyterLab's root). */
export function readTheme(node: Element): ChartTheme {
  const light = isLightTheme(node.ownerDocument);
  const d = light ? LIGHT_THEME : DARK_THEME;
  const css = getComputedStyle(node);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    light,
    text: v('--jp-ui-font-color1', d.text),
    secondaryText: v('--jp-ui-font-color2', d.secondaryText),
    grid: v('--jp-border-color2', d.grid),
    background: v('--jp-layout-color0', d.background),
    font: v('--jp-ui-font-family', d.font),
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
