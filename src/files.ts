// File oracles for the simulator: what is at a path that `root`, `alias`,
// `try_files` or `index` names. The CLI passes the one real filesystem call
// in, so that this module stays pure and testable.
import type { FileKind, FileOracle } from './outcome.js';

export type AssumeFiles = 'exist' | 'missing' | 'unknown';

export const ASSUME_FILES: readonly AssumeFiles[] = ['exist', 'missing', 'unknown'];

/**
 * What `stat` found: a regular file, a directory, something else (socket,
 * device), nothing (ENOENT, ENOTDIR), or an error that says nothing (EACCES).
 */
export type StatKind = 'file' | 'dir' | 'other' | 'none' | 'error';

/**
 * `--assume-files`: `exist` says every path is a regular file, except a path
 * written with a trailing `/`, which is a directory; `missing` says nothing
 * exists; `unknown` leaves every path open, so the simulator follows each
 * possibility.
 */
export function assumedFiles(mode: AssumeFiles): FileOracle {
  switch (mode) {
    case 'exist':
      return (path) => (path.endsWith('/') ? 'dir' : 'file');
    case 'missing':
      return () => 'missing';
    case 'unknown':
      return () => undefined;
  }
}

/**
 * The files on this machine. A path that does not exist is `missing` only
 * when its parent directory does exist: a config checked out from another
 * machine names roots that are not here, and those stay unknown. With a
 * sysroot, absolute paths are looked up under it.
 */
export function diskFiles(stat: (path: string) => StatKind, sysroot?: string): FileOracle {
  const onDisk = (path: string): string =>
    sysroot === undefined || !path.startsWith('/') ? path : `${sysroot.replace(/\/+$/, '')}${path}`;
  const cache = new Map<string, FileKind | undefined>();
  return (path) => {
    if (cache.has(path)) return cache.get(path);
    let kind: FileKind | undefined;
    const found = stat(onDisk(path));
    if (found === 'file' || found === 'other') kind = 'file';
    else if (found === 'dir') kind = 'dir';
    else if (found === 'none') {
      const trimmed = path.replace(/\/+$/, '');
      const parent = trimmed.slice(0, trimmed.lastIndexOf('/')) || '/';
      const above = parent === trimmed ? 'error' : stat(onDisk(parent));
      kind = above === 'dir' || above === 'file' ? 'missing' : undefined;
    }
    cache.set(path, kind);
    return kind;
  };
}
