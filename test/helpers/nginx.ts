// A real nginx, for checking what verblint claims about it. `nginx -t` reads
// and checks a config without starting a server, so nothing listens.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = process.env.VERBLINT_TEST_NGINX ?? '/usr/sbin/nginx';

export interface NginxVerdict {
  ok: boolean;
  /** The first [emerg] message, without its " in FILE:LINE" suffix. */
  message?: string;
  line?: number;
}

/** Runs `nginx -t` on a config text in a fresh prefix directory. */
export function nginxTest(config: string): NginxVerdict {
  const dir = mkdtempSync(join(tmpdir(), 'verblint-nginx-'));
  try {
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, config);
    const run = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', file, '-e', 'stderr'], { encoding: 'utf8', timeout: 20_000 });
    if (run.error) throw new Error(`cannot run ${NGINX}: ${run.error.message} (install Debian's nginx package)`);
    const m = /\[emerg\] \d+#\d+: (.*) in (\S+):(\d+)$/m.exec(run.stderr);
    if (run.status === 0) return { ok: true };
    if (!m) throw new Error(`nginx -t failed without an [emerg] line: ${run.stderr}`);
    return { ok: false, message: m[1]!, line: Number(m[3]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
