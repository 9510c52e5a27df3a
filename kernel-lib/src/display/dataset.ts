/** What a dataset holds and what is incomplete, as HTML and text (the summary of `show(dataset)`). */
import type { Dataset } from '../io/dataset.js';
import type { MimeBundle } from './bundle.js';
import { shownPath } from './paths.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Sections of the summary: title and lines. */
function sections(ds: Dataset): [string, string[]][] {
  const out: [string, string[]][] = [['read', ds.contents.length ? ds.contents : ['nothing']]];
  const have: string[] = [];
  if (ds.sweep) {
    const rows = ds.sweep.objects() as { metal: string; lattice: string; method: string; property: string; dk: number }[];
    const by = new Map<string, { props: Set<string>; dks: Set<number> }>();
    for (const r of rows) {
      const k = `${r.metal} ${r.lattice} ${r.method}`;
      const e = by.get(k) ?? { props: new Set<string>(), dks: new Set<number>() };
      by.set(k, e);
      e.props.add(r.property);
      e.dks.add(r.dk);
    }
    for (const [k, e] of by) have.push(`properties ${k}: ${[...e.props].join(', ')} at Δk ${[...e.dks].sort((a, b) => a - b).join(', ')} Å⁻¹`);
  } else have.push('no complete property curve');
  if (ds.sem && ds.semFrames) {
    const tags = Array.from({ length: ds.semFrames.numRows() }, (_, i) => ds.semFrames!.get('tags', i) as Record<string, unknown>);
    const groups = new Map<string, Set<string>>();
    for (const t of tags) {
      const g = `${t.metal} ${t.lattice} ${t.structure}`;
      groups.set(g, (groups.get(g) ?? new Set<string>()).add(String(t.config)));
    }
    const dks = [...new Set(ds.sem.array('dk') as unknown as number[])].sort((a, b) => a - b);
    have.push(`SEM test set: ${[...groups].map(([g, c]) => `${g} (${c.size} configuration${c.size === 1 ? '' : 's'})`).join(', ')} at Δk ${dks.join(', ')} Å⁻¹`);
  } else have.push('no SEM test set');
  if (ds.rmse) {
    const dks = [...new Set(ds.dpTest.map((d) => d.dk))].sort((a, b) => a - b);
    have.push(`dp test: ${ds.dpTest.length} outputs, models trained at Δk ${dks.join(', ')} Å⁻¹ (datasets ${[...new Set(ds.dpTest.map((d) => d.dataset))].join(', ')})`);
  }
  if (ds.models) {
    const others = ds.models.offered.filter((m) => m !== ds.models!.used);
    have.push(`MLP properties and dp test from the "${ds.models.used}" models` +
      (others.length ? `; also offered: ${others.map((m) => `"${m}"`).join(', ')} (openDataset(source, { models: "${others[0]}" }))` : ''));
  }
  if (ds.cells.length) have.push(`training cells for the k-point cost: ${ds.cells.map((c) => `${c.name} (${c.natoms} atom${c.natoms === 1 ? '' : 's'})`).join(', ')}`);
  out.push(['analyses can use', have]);
  const inc = [
    ...ds.incomplete.curves.map((c) => `curve ${c}: left out`),
    ...ds.incomplete.configurations.map((m) => `configuration ${m.config} of ${m.group}: no Δk ${m.missing.join(', ')} Å⁻¹, left out of the SEMs`),
    ...ds.incomplete.notes,
  ];
  out.push(['incomplete or not used', inc.length ? inc : ['nothing']]);
  return out;
}

/**
 * The summary bundle of a dataset: what is there, what the analyses can use, what is incomplete.
 * Its source (and a name that is its folder) relative to the notebook's folder.
 */
export function datasetBundle(ds: Dataset): MimeBundle {
  const secs = sections(ds);
  const source = ds.source === 'manifest object' ? ds.source : shownPath(ds.source);
  const name = ds.name === ds.source ? source : ds.name;
  const text = [`deltak dataset: ${name}`, `source: ${source}`, ...secs.flatMap(([t, lines]) => [`${t}:`, ...lines.map((l) => `  - ${l}`)])].join('\n');
  const html =
    `<div class="deltak-dataset"><p><strong>${esc(name)}</strong><br><small>${esc(source)}</small></p>` +
    secs.map(([t, lines]) => `<p>${esc(t)}:</p><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`).join('') +
    '</div>';
  return { data: { 'text/html': html, 'text/plain': text }, metadata: {} };
}
