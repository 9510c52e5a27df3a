/**
 * Small DOM helpers. Every text coming from data is set with `textContent` (never HTML), so
 * names like `<img src=x onerror=...>` show as text and run nothing.
 */

let counter = 0;
/** A document-unique id with a readable prefix. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A new element with a class and, optionally, text (as text). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A labelled <select>; options are (value, label) pairs set as text. */
export function labelledSelect(
  label: string,
  options: readonly { value: string; label: string }[],
  value: string,
  onChange: (value: string) => void,
): { root: HTMLElement; select: HTMLSelectElement } {
  const root = el('div', 'deltak-control');
  const id = uid('deltak-select');
  const l = el('label', undefined, label);
  l.htmlFor = id;
  const select = el('select');
  select.id = id;
  for (const o of options) {
    const opt = el('option', undefined, o.label);
    opt.value = o.value;
    select.append(opt);
  }
  select.value = value;
  select.addEventListener('change', () => onChange(select.value));
  root.append(l, select);
  return { root, select };
}

/** A labelled checkbox. */
export function labelledCheckbox(label: string, checked: boolean, onChange: (checked: boolean) => void): { root: HTMLElement; input: HTMLInputElement } {
  const root = el('label', 'deltak-check');
  const input = el('input');
  input.type = 'checkbox';
  input.checked = checked;
  input.addEventListener('change', () => onChange(input.checked));
  root.append(input, document.createTextNode(label));
  return { root, input };
}

/** A button with a visible label and an accessible description. */
export function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', 'deltak-button', label);
  b.type = 'button';
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

/** Offer `data` (text or a data: URL) as a download named `filename`. */
export function download(filename: string, data: string | Blob, type = 'text/plain'): void {
  const a = document.createElement('a');
  let url: string;
  let revoke = false;
  if (typeof data === 'string' && data.startsWith('data:')) {
    url = data;
  } else {
    url = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
    revoke = true;
  }
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  if (revoke) setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Put `text` on the clipboard (the asynchronous clipboard API, else a selected text area and the
 * copy command); true when it worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      area.remove();
    }
  }
}

/** A file-name-safe version of a label. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'deltak';
}

/** Rows a table shows before it offers "show all". */
export const TABLE_ROWS_SHOWN = 20;

/**
 * A table: a caption, headers (scope=col) and rows of cells set as text, in a box that scrolls
 * horizontally (headers stay on top while it scrolls); beyond {@link TABLE_ROWS_SHOWN} rows the
 * rest is collapsed behind a "show all" button.
 */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly { cells: readonly string[]; values?: readonly (string | null)[] }[],
): HTMLElement {
  const box = el('div', 'deltak-table-scroll');
  const t = tableElement(caption, headers, rows);
  box.append(t);
  if (rows.length > TABLE_ROWS_SHOWN + 2) {
    t.classList.add('deltak-collapsed');
    const more = button(`show all ${rows.length} rows`, 'Show every row of the table', () => {
      const collapsed = t.classList.toggle('deltak-collapsed');
      more.textContent = collapsed ? `show all ${rows.length} rows` : `show the first ${TABLE_ROWS_SHOWN} rows`;
      more.setAttribute('aria-expanded', String(!collapsed));
    });
    more.classList.add('deltak-show-all');
    more.setAttribute('aria-expanded', 'false');
    box.append(more);
  }
  return box;
}

function tableElement(
  caption: string,
  headers: readonly string[],
  rows: readonly { cells: readonly string[]; values?: readonly (string | null)[] }[],
): HTMLTableElement {
  const t = el('table', 'deltak-table');
  t.append(el('caption', undefined, caption));
  const thead = el('thead');
  const hr = el('tr');
  for (const h of headers) {
    const th = el('th', undefined, h);
    th.scope = 'col';
    hr.append(th);
  }
  thead.append(hr);
  const tbody = el('tbody');
  for (const r of rows) {
    const tr = el('tr');
    r.cells.forEach((c, i) => {
      const td = el('td', undefined, c);
      const v = r.values?.[i];
      if (v !== undefined && v !== null) td.dataset.value = v;
      tr.append(td);
    });
    tbody.append(tr);
  }
  t.append(thead, tbody);
  return t;
}

/**
 * Keep JupyterLab's notebook shortcuts from taking the keys our controls need (arrows on a
 * slider or a select, space on a checkbox): plain keys pressed in a control stay with it;
 * Escape, Shift+Enter and keys with Ctrl/Alt/Meta still reach JupyterLab.
 */
export function keepKeys(root: HTMLElement): void {
  root.setAttribute('data-lm-suppress-shortcuts', 'true');
  root.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement | null;
    if (!t || !t.matches('input, select, button')) return;
    if (e.ctrlKey || e.metaKey || e.altKey || e.key === 'Escape' || (e.key === 'Enter' && e.shiftKey)) return;
    e.stopPropagation();
  });
}
