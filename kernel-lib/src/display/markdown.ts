/**
 * A short answer in words, rendered: Markdown for the notebook with its text/plain twin (the
 * same words without the Markdown marks), so a notebook's conclusions are outputs, not printed lines.
 */
import type { MimeBundle } from './bundle.js';

/** The text of `markdown` without its marks: **strong**, *emphasis*, `code` and backslash escapes. */
export function markdownText(markdown: string): string {
  return markdown
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1$2')
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>])/g, '$1');
}

/** The bundle of a Markdown answer: text/markdown and its text/plain twin. */
export function markdownBundle(markdown: string): MimeBundle {
  if (typeof markdown !== 'string' || markdown.trim() === '') throw new Error('showMarkdown: expected a non-empty Markdown string');
  return { data: { 'text/markdown': markdown, 'text/plain': markdownText(markdown) }, metadata: {} };
}
