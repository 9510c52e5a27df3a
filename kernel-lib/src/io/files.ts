/**
 * File-system access of the readers. Every failure (a folder where a file is expected, a missing
 * path, no permission, …) is a {@link ReadError} naming the path, never Node's bare
 * `EISDIR: illegal operation on a directory, read`.
 */
import { statSync, readFileSync, openSync, readdirSync, realpathSync, type Dirent } from 'node:fs';
import { ReadError } from './errors.js';

/** What Node's file-system error codes mean, in the words of the error messages. */
const FS_CODES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'a folder where a file was expected',
  ENOTDIR: 'not a folder (a file where a folder was expected, or a path through a file)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links (a link loop)',
  ENAMETOOLONG: 'path too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENXIO: 'no such device (a socket or device file, not a regular file)',
};

/** Whether `e` is an error of Node's file-system calls (it has an errno code such as "ENOENT"). */
function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}

/**
 * A file-system error as a ReadError naming the path it concerns (its own path when Node gives
 * one, else `path`); any other error is returned unchanged.
 */
export function fsReadError(path: string, e: unknown): unknown {
  if (!isFsError(e)) return e;
  const code = e.code!;
  return new ReadError(e.path ?? path, {}, `${FS_CODES[code] ?? e.message} (${code})`);
}

/** Run `fn`; a file-system error it throws becomes a ReadError naming `path`. */
export function onPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fsReadError(path, e);
  }
}

/**
 * Size in bytes of the regular file at `path` (links followed). A folder, a missing path or one
 * that cannot be read is a ReadError naming it; `what` says what was expected ("a VASP OUTCAR").
 */
export function fileSize(path: string, what = 'a file'): number {
  const st = onPath(path, () => statSync(path));
  if (st.isDirectory()) throw new ReadError(path, {}, `a folder, expected ${what}`);
  if (!st.isFile()) throw new ReadError(path, {}, `not a regular file (a device, socket or pipe), expected ${what}`);
  return st.size;
}

/** The bytes of the regular file at `path` (see {@link fileSize} for the errors). */
export function readFileBytes(path: string, what = 'a file'): Buffer {
  fileSize(path, what);
  return onPath(path, () => readFileSync(path));
}

/** A file descriptor open for reading on the regular file at `path`, and its size in bytes. */
export function openFile(path: string, what = 'a file'): { fd: number; size: number } {
  const size = fileSize(path, what);
  return { fd: onPath(path, () => openSync(path, 'r')), size };
}

/** Whether `path` is a folder (links followed); false when nothing is there. Other errors name the path. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    if (isFsError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return false;
    throw fsReadError(path, e);
  }
}

/** Whether `path` is a regular file (links followed); false when nothing, or a folder, is there. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (e) {
    if (isFsError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return false;
    throw fsReadError(path, e);
  }
}

/** The entries of the folder at `path` (in the file system's order); errors name the path. */
export function listFolder(path: string): Dirent[] {
  return onPath(path, () => readdirSync(path, { withFileTypes: true }));
}

/** The real path of `path` (links resolved); errors name the path. */
export function realPath(path: string): string {
  return onPath(path, () => realpathSync(path));
}
