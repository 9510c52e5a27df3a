/**
 * A short answer in words, rendered: Markdown for the notebook with its text/plain twin (the
 * same words without the Markdown marks), so a notebook's conclusions are outputs, not printed lines.
 */
import type { MimeBundle } from './bundle.js';

/** The text of `markdown` without its marks: **strong**, *emphasis*, `code` and backslash escapes. */
export function markdownText(markdown: string): string {
  // escaped characters are set aside first, so they are never taken for marks
  const escaped: string[] = [];
  const marked = markdown.replace(/\u0000/g, '').replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, (_, c: string) => {
    escaped.push(c);
    return '\u0000';
  });
  let k = 0;
  return marked
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1$2')
    .replace(/\u0000/g, () => escaped[k++]);
}

/** `text` (names from data, words of a reason) as Markdown that renders as the same characters. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The bundle of a Markdown answer: text/markdown and its text/plain twin. */
export function markdownBundle(markdown: string): MimeBundle {
  if (typeof markdown !== 'string' || markdown.trim() === '') throw new Error('showMarkdown: expected a non-empty Markdown string');
  return { data: { 'text/markdown': markdown, 'text/plain': markdownText(markdown) }, metadata: {} };
}
