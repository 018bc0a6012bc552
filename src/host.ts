// The filesystem, behind an interface, so that parsing can be tested with
// files held in memory and the CLI stays the only place that decides where
// input comes from.
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import fg from 'fast-glob';

/** Told about a path that could not be read while listing: a Node error code (EACCES, ELOOP...). */
export type OnListError = (path: string, code: string) => void;

export interface Host {
  /**
   * The file's text; throws a Node error (with `code`) when it cannot be read,
   * ENOTREG for a FIFO, socket or device, which could block or never end.
   */
  readFile(path: string): string;
  /** Whether `path` can be opened: a Node error code when not; EISDIR for a directory, ENOTREG for another non-file. */
  check(path: string): 'ok' | 'ENOENT' | 'EACCES' | 'EISDIR' | 'ENOTREG' | string;
  /**
   * Paths that match a glob, relative to `cwd`, sorted. Matches as glob(3)
   * does for nginx: no brace expansion, no globstar, no dotfiles for `*`.
   * A directory that cannot be read goes to `onError`; the matches found
   * elsewhere still come back.
   */
  glob(pattern: string, cwd: string, onError?: OnListError): string[];
  /**
   * Every file under a directory, recursively, dotfiles included, as paths
   * relative to it: each level sorted by name, as Apache includes a directory.
   * A directory that cannot be read, and a link back to a directory above it
   * (which Apache would follow until ELOOP), go to `onError` and are skipped.
   */
  listTree(dir: string, onError?: OnListError): string[];
}

/** A Node-style error for a path that is neither a regular file nor a directory. */
function notRegular(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTREG: not a regular file, open '${path}'`), { code: 'ENOTREG', path });
}

const GLOB_OPTIONS = {
  dot: false,
  onlyFiles: false,
  braceExpansion: false,
  extglob: false,
  globstar: false,
  followSymbolicLinks: true,
  unique: true,
} as const;

export const nodeHost: Host = {
  readFile(path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore it.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: 'EISDIR', path });
      if (!st.isFile()) throw notRegular(path);
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  },
  check(path) {
    try {
      const st = statSync(path);
      return st.isDirectory() ? 'EISDIR' : st.isFile() ? 'ok' : 'ENOTREG';
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'ENOENT';
    }
  },
  glob(pattern, cwd, onError) {
    let found: string[];
    try {
      found = fg.sync(pattern, { ...GLOB_OPTIONS, cwd });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === undefined) throw e;
      onError?.(err.path ?? cwd, err.code);
      // What the other directories hold still counts.
      found = fg.sync(pattern, { ...GLOB_OPTIONS, cwd, suppressErrors: true });
    }
    return found.sort(byCodePoint);
  },
  listTree(dir, onError) {
    const out: string[] = [];
    // Real paths of the directories being walked: a link to one of them is a loop.
    const above: string[] = [];
    const walk = (abs: string, rel: string): void => {
      let real: string;
      let names: string[];
      try {
        real = realpathSync(abs);
        if (above.includes(real)) {
          onError?.(abs, 'ELOOP');
          return;
        }
        names = readdirSync(abs).sort(byCodePoint);
      } catch (e) {
        onError?.(abs, (e as NodeJS.ErrnoException).code ?? 'EIO');
        return;
      }
      above.push(real);
      for (const name of names) {
        const path = `${abs}/${name}`;
        const shown = rel === '' ? name : `${rel}/${name}`;
        let isDir = false;
        try {
          isDir = statSync(path).isDirectory();
        } catch {
          // A dangling link is still a name Apache would try to open.
        }
        if (isDir) walk(path, shown);
        else out.push(shown);
      }
      above.pop();
    };
    walk(dir, '');
    return out;
  },
};

export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How much of a file binaryOffset looks at, as git does to tell binary files. */
const BINARY_SNIFF = 8000;

/**
 * Where a file's text shows it is not text: its first NUL in the first 8000
 * characters (git's test), else 0 when more than a third of them are
 * control characters or bytes that are not UTF-8 (random data with no NUL);
 * undefined for text.
 */
export function binaryOffset(text: string): number | undefined {
  const end = Math.min(text.length, BINARY_SNIFF);
  let odd = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return i;
    // Tab, LF, VT, FF and CR are text; U+FFFD stands for a byte that is not UTF-8.
    if ((c < 32 && (c < 9 || c > 13)) || c === 0xfffd) odd++;
  }
  return odd * 3 > end ? 0 : undefined;
}
