/**
 * The context of an export (what a figure or table shows, with which f and reference, from which
 * data, by which deltak), carried inside the file: an SVG gets a <title>, a <desc>, a <metadata>
 * element holding the context as JSON and a visible caption below the chart; a PNG gets the
 * caption drawn into the image (see the view) and iTXt chunks (UTF-8 text) with the same JSON;
 * a CSV gets a JSON file beside it. Pure functions (no DOM), tested in Node.
 */

/** The context of one export. */
export interface ExportContext {
  /** What the file shows. */
  title: string;
  /** Criterion factor f (dimensionless); absent when the view has none of its own (the comparison). */
  factor?: number;
  /** The reference in words (Δk in Å⁻¹); absent when the view has none (a chart shown as it is). */
  reference?: string;
  /** Where the data come from. */
  source: string;
  /** deltak's version that drew the view. */
  version: string;
  /** What the view showed (selection), in words; absent when it shows everything. */
  selection?: string;
  /** Units of the columns and values. */
  units: Record<string, string>;
}

/** Where the data come from when the payload does not say. */
export const UNKNOWN_SOURCE = 'a deltak notebook output (source not given)';

/** The context as a JSON document (the file beside a CSV, the SVG's and PNG's metadata). */
export function contextJson(ctx: ExportContext): string {
  return JSON.stringify({ generator: `deltak ${ctx.version}`, ...ctx }, null, 2) + '\n';
}

/** The caption under an exported figure: title; f and reference; selection; source and version. */
export function captionLines(ctx: ExportContext): string[] {
  return [
    ctx.title,
    ...(ctx.factor === undefined && ctx.reference === undefined ? [] : [[ctx.factor === undefined ? '' : `f = ${ctx.factor}`, ctx.reference === undefined ? '' : `reference: ${ctx.reference}`].filter(Boolean).join('; ')]),
    ...(ctx.selection ? [`shown: ${ctx.selection}`] : []),
    `data: ${ctx.source}; deltak ${ctx.version}`,
  ];
}

/** Text for XML content and attributes: &, <, >, " escaped. */
export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Height of one caption line in an exported figure, px (at scale 1). */
export const CAPTION_LINE = 16;

/**
 * An SVG document (as vega writes it: one root <svg> with width, height and viewBox) with its
 * context: <title>, <desc> and <metadata> (the context as JSON, in a `deltak-context` element)
 * first in the root, and the caption as text lines in a band added below the chart.
 */
export function svgWithContext(svg: string, ctx: ExportContext, colours: { text: string; background: string }): string {
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!open) throw new Error('svgWithContext: no <svg> element');
  const tag = open[0];
  const num = (name: string): number | null => {
    const m = new RegExp(`\\s${name}="([0-9.]+)"`).exec(tag);
    return m ? Number(m[1]) : null;
  };
  const w = num('width'), h = num('height');
  if (w === null || h === null) throw new Error('svgWithContext: the <svg> element has no width or height');
  const lines = captionLines(ctx);
  const band = lines.length * CAPTION_LINE + 8;
  const vb = /\sviewBox="([-0-9.]+) ([-0-9.]+) ([0-9.]+) ([0-9.]+)"/.exec(tag);
  let newTag = tag.replace(/\sheight="[0-9.]+"/, ` height="${h + band}"`);
  if (vb) newTag = newTag.replace(vb[0], ` viewBox="${vb[1]} ${vb[2]} ${vb[3]} ${Number(vb[4]) + band}"`);
  const x0 = vb ? Number(vb[1]) : 0, y0 = (vb ? Number(vb[2]) : 0) + (vb ? Number(vb[4]) : h);
  const head = [
    `<title>${xmlText(ctx.title)}</title>`,
    `<desc>${xmlText(captionLines(ctx).slice(1).join('\n'))}</desc>`,
    `<metadata><deltak-context xmlns="urn:deltak:export-context" type="application/json">${xmlText(JSON.stringify(ctx))}</deltak-context></metadata>`,
  ].join('');
  const caption = [
    `<g class="deltak-caption"><rect x="${x0}" y="${y0}" width="${vb ? vb[3] : w}" height="${band}" fill="${xmlText(colours.background)}"/>`,
    ...lines.map((l, i) => `<text x="${x0 + 6}" y="${y0 + (i + 1) * CAPTION_LINE}" font-family="sans-serif" font-size="11" fill="${xmlText(colours.text)}">${xmlText(l)}</text>`),
    '</g>',
  ].join('');
  const close = svg.lastIndexOf('</svg>');
  if (close < 0) throw new Error('svgWithContext: no </svg>');
  return svg.slice(0, open.index) + newTag + head + svg.slice(open.index + tag.length, close) + caption + svg.slice(close);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of PNG chunks (ISO 3309), over type and data. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG iTXt chunk (uncompressed UTF-8 text under a Latin-1 keyword). */
function itxtChunk(keyword: string, text: string): Uint8Array {
  const enc = new TextEncoder();
  const body = new Uint8Array([...enc.encode(keyword), 0, 0, 0, 0, 0, ...enc.encode(text)]);
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  out.set(enc.encode('iTXt'), 4);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * A PNG (bytes) with the context as iTXt chunks right after its header chunk: Title,
 * Description (the caption), Software and `deltak-context` (the context as JSON).
 */
export function pngWithContext(png: Uint8Array, ctx: ExportContext): Uint8Array {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 33 || sig.some((b, i) => png[i] !== b)) throw new Error('pngWithContext: not a PNG');
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset).getUint32(8);
  const chunks = [
    itxtChunk('Title', ctx.title),
    itxtChunk('Description', captionLines(ctx).join('\n')),
    itxtChunk('Software', `deltak ${ctx.version}`),
    itxtChunk('deltak-context', JSON.stringify(ctx)),
  ];
  const n = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(png.length + n);
  out.set(png.subarray(0, ihdrEnd), 0);
  let at = ihdrEnd;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(ihdrEnd), at);
  return out;
}

/** The text chunks (tEXt and iTXt) of a PNG, by keyword. */
export function pngTexts(png: Uint8Array): Record<string, string> {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const dec = new TextDecoder();
  const out: Record<string, string> = {};
  for (let at = 8; at + 12 <= png.length;) {
    const len = dv.getUint32(at);
    const type = dec.decode(png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    const z = data.indexOf(0);
    if (type === 'tEXt') out[dec.decode(data.subarray(0, z))] = dec.decode(data.subarray(z + 1));
    if (type === 'iTXt') {
      // keyword \0 flag method language \0 translated \0 text
      const lang = data.indexOf(0, z + 3);
      const tr = data.indexOf(0, lang + 1);
      out[dec.decode(data.subarray(0, z))] = dec.decode(data.subarray(tr + 1));
    }
    at += 12 + len;
  }
  return out;
}
