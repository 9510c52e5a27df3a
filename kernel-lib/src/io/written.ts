/**
 * Writing without losing data: a file is written into a temporary sibling and renamed into place
 * only when complete; a writer that fills a folder stages everything in a fresh sibling folder,
 * then swaps its entries in, keeping a manifest of what it wrote so that the next overwrite
 * removes exactly that and keeps every file it does not own. If anything fails, the old data
 * stays whole.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ReadError } from './errors.js';
import { onPath, readFileBytes, isFile } from './files.js';

/** The file in which a writer lists what it wrote into a folder (paths relative to the folder). */
export const WRITTEN_MANIFEST = '.deltak-written.json';

/** What a writer wrote into a folder, as its manifest records it. */
export interface WrittenManifest {
  /** The writer, e.g. "writeDeepmd" or "deltak report". */
  writer: string;
  /** Files and folders written, relative to the folder, "/"-separated, in the order written. */
  entries: string[];
}

/** A unique name for a temporary sibling of `path` (hidden, same folder, so a rename is atomic). */
function siblingName(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`);
}

/**
 * Write `data` to `path` through a temporary sibling renamed into place once complete (and
 * flushed): a reader never sees a half-written file, and a failed write leaves the old file
 * whole. `overwrite` false (default) refuses a path that exists.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { overwrite?: boolean } = {}): void {
  if (!options.overwrite && existsSync(path)) throw new Error(`${path} exists; pass { overwrite: true } to replace it`);
  const tmp = siblingName(path, 'tmp');
  try {
    const fd = onPath(tmp, () => openSync(tmp, 'wx'));
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < buf.length; ) off += onPath(tmp, () => writeSync(fd, buf, off, buf.length - off));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    onPath(path, () => renameSync(tmp, path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** The manifest a writer left in `dir`, or null when there is none. A manifest that does not read is an error naming it. */
export function readWritten(dir: string): WrittenManifest | null {
  const p = join(dir, WRITTEN_MANIFEST);
  if (!isFile(p)) return null;
  let j: unknown;
  try {
    j = JSON.parse(readFileBytes(p).toString('utf8'));
  } catch (e) {
    throw new ReadError(p, {}, `not a manifest of written files: ${(e as Error).message}`);
  }
  const m = j as Partial<WrittenManifest>;
  if (typeof m?.writer !== 'string' || !Array.isArray(m.entries) || !m.entries.every((x) => typeof x === 'string' && x !== '' && !x.split('/').includes('..'))) {
    throw new ReadError(p, {}, 'not a manifest of written files (expected { writer, entries: [relative paths] })');
  }
  return { writer: m.writer, entries: m.entries };
}

/** A fresh, empty folder beside `target` to stage a write in (remove it with {@link discardStage} on failure). */
export function stageFor(target: string): string {
  const parent = dirname(target);
  onPath(parent, () => mkdirSync(parent, { recursive: true }));
  return onPath(parent, () => mkdtempSync(join(parent, `.${basename(target)}.new-`)));
}

/** Remove a staging folder made by {@link stageFor}. */
export function discardStage(stage: string): void {
  rmSync(stage, { recursive: true, force: true });
}

/** Folders of `rel` ("a/b/c" → "a", "a/b"), outermost first. */
function parentsOf(rel: string): string[] {
  const parts = rel.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Swap what a writer staged into `dir`: the entries of the previous write (`old`, from its
 * manifest) are moved aside, the new `entries` are moved in from `stage`, the new manifest is
 * written, and only then is the old data removed. Files of `dir` the writer does not own are
 * never touched; a new entry that would replace one of them is an error before anything moves.
 * If a step fails, what was moved is moved back: `dir` holds the old data as it was.
 */
export function swapIn(dir: string, stage: string, writer: string, entries: readonly string[], old: WrittenManifest | null): void {
  const owned = new Set(old?.entries ?? []);
  for (const e of entries) {
    if (!owned.has(e) && existsSync(join(dir, e))) {
      throw new Error(`${join(dir, e)} exists and was not written by ${writer}${old ? '' : ' (no manifest of written files in the folder)'}: it is not replaced; remove it, or write to another folder`);
    }
  }
  onPath(dir, () => mkdirSync(dir, { recursive: true }));
  const backup = siblingName(dir, 'old');
  const movedOut: string[] = [];
  const movedIn: string[] = [];
  const madeFolders: string[] = [];
  try {
    for (const e of old?.entries ?? []) {
      if (!existsSync(join(dir, e))) continue;
      for (const f of parentsOf(e)) mkdirSync(join(backup, f), { recursive: true });
      mkdirSync(backup, { recursive: true });
      onPath(join(dir, e), () => renameSync(join(dir, e), join(backup, e)));
      movedOut.push(e);
    }
    for (const e of entries) {
      for (const f of parentsOf(e)) {
        if (!existsSync(join(dir, f))) {
          mkdirSync(join(dir, f));
          madeFolders.push(f);
        }
      }
      onPath(join(dir, e), () => renameSync(join(stage, e), join(dir, e)));
      movedIn.push(e);
    }
    writeFileAtomic(join(dir, WRITTEN_MANIFEST), JSON.stringify({ writer, entries }, null, 1) + '\n', { overwrite: true });
  } catch (e) {
    for (const x of movedIn.reverse()) rmSync(join(dir, x), { recursive: true, force: true });
    for (const f of madeFolders.reverse()) rmSync(join(dir, f), { recursive: true, force: true });
    for (const x of movedOut.reverse()) renameSync(join(backup, x), join(dir, x));
    rmSync(backup, { recursive: true, force: true });
    throw e;
  }
  rmSync(backup, { recursive: true, force: true });
  discardStage(stage);
  // folders the previous write made that are now empty (a system sub-folder no longer written)
  const folders = [...new Set((old?.entries ?? []).flatMap(parentsOf))].sort((a, b) => b.length - a.length);
  for (const f of folders) {
    const p = join(dir, f);
    if (existsSync(p) && readdirSync(p).length === 0) rmdirSync(p);
  }
}
