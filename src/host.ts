// The filesystem, behind an interface, so that parsing can be tested with
// files held in memory and the CLI stays the only place that decides where
// input comes from.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import fg from 'fast-glob';

export interface Host {
  /** The file's text; throws a Node error (with `code`) when it cannot be read. */
  readFile(path: string): string;
  /** Whether `path` can be opened: a Node error code when not. */
  check(path: string): 'ok' | 'ENOENT' | 'EACCES' | 'EISDIR' | string;
  /**
   * Paths that match a glob, relative to `cwd`, sorted. Matches as glob(3)
   * does for nginx: no brace expansion, no globstar, no dotfiles for `*`.
   */
  glob(pattern: string, cwd: string): string[];
  /**
   * Every file under a directory, recursively, dotfiles included, as paths
   * relative to it: each level sorted by name, as Apache includes a directory.
   */
  listTree(dir: string): string[];
}

export const nodeHost: Host = {
  readFile(path) {
    return readFileSync(path, 'utf8');
  },
  check(path) {
    try {
      return statSync(path).isDirectory() ? 'EISDIR' : 'ok';
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'ENOENT';
    }
  },
  glob(pattern, cwd) {
    const found = fg.sync(pattern, {
      cwd,
      dot: false,
      onlyFiles: false,
      braceExpansion: false,
      extglob: false,
      globstar: false,
      followSymbolicLinks: true,
      unique: true,
    });
    return found.sort(byCodePoint);
  },
  listTree(dir) {
    const out: string[] = [];
    const seen = new Set<string>();
    const walk = (abs: string, rel: string): void => {
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        return;
      }
      // A symlink back up the tree would never end.
      if (seen.has(real)) return;
      seen.add(real);
      let names: string[];
      try {
        names = readdirSync(abs).sort(byCodePoint);
      } catch {
        return;
      }
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
    };
    walk(dir, '');
    return out;
  },
};

export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
