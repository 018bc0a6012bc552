// src/nginx-directives.ts, which directive-context and directive-arguments
// share: how it reads @nginx/reference-lib, how it places directives (includes,
// fragments), what the two rules find in the shared corpus, and what a real
// `nginx -t` says about the same configs.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { getDirectives } from '@nginx/reference-lib';
import { describe, expect, it } from 'vitest';
import directiveArguments from '../rules/directive-arguments.js';
import directiveContext from '../rules/directive-context.js';
import { lint } from '../src/engine.js';
import type { Host } from '../src/host.js';
import {
  type Context,
  CONTEXTS,
  CORRECTIONS,
  type Counts,
  fragmentContexts,
  MANY,
  readSyntax,
  specsIn,
  specsOf,
} from '../src/nginx-directives.js';
import { parseNginx, parseNginxText } from '../src/parse.js';
import { NGINX_CORPUS } from './helpers/corpus.js';
import { fixtureCases } from './helpers/fixtures.js';
import { lintText } from './helpers/lint.js';
import { NGINX, nginxTest } from './helpers/nginx.js';

const RULES = [directiveArguments, directiveContext];

/** "1", "1-2", "2+", "1,3" */
function shown(counts: Counts): string {
  const all = [...counts].sort((a, b) => a - b);
  const min = all[0]!;
  const max = all.at(-1)!;
  if (max - min !== all.length - 1) return all.join(',');
  if (max === MANY) return `${min}+`;
  return min === max ? `${min}` : `${min}-${max}`;
}

function countsOf(name: string, module?: string): string | null {
  const specs = specsOf(name).filter((s) => module === undefined || s.module === module);
  if (specs.length === 0) throw new Error(`no ${name} in the lib`);
  if (specs.some((s) => s.counts === null)) return null;
  return shown(new Set(specs.flatMap((s) => [...s.counts!])));
}

describe('reading @nginx/reference-lib', () => {
  it('reads every syntax line but these few, whose counts are then not checked', () => {
    const unreadable: string[] = [];
    let lines = 0;
    for (const d of getDirectives()) {
      for (const line of d.syntax) {
        if (line === '') continue;
        lines++;
        try {
          readSyntax(line);
        } catch (e) {
          unreadable.push(`${d.name} (${d.module}): ${(e as Error).message}`);
        }
      }
    }
    expect(lines).toBeGreaterThan(950);
    expect(unreadable).toEqual([
      // "export_name from module.js" is three words in one placeholder.
      'js_import (ngx_http_js_module): a space inside "export_name from module.js"',
      // A quoted Perl sub, with braces and a "..." inside.
      'perl (ngx_http_perl_module): cannot read "&lsquo;sub {"',
      'perl_set (ngx_http_perl_module): cannot read "&lsquo;sub {"',
      // The condition's words vary: if ($a), if ($a = b), if (-f $a).
      'if (ngx_http_rewrite_module): cannot read "(<em><code>c"',
      'js_import (ngx_stream_js_module): a space inside "export_name from module.js"',
    ]);
  });

  it.each([
    ['root', '1'],
    ['break', '0'],
    ['server@ngx_http_core_module', '0'],
    ['server@ngx_http_upstream_module', '1+'], // address [parameters]
    ['location', '1-2'], // [ = | ~ | ~* | ^~ ] uri, or @name
    ['return@ngx_http_rewrite_module', '1-2'],
    ['rewrite', '2-3'],
    ['add_header', '2-3'],
    ['try_files', '2+'],
    ['uwsgi_pass', '1'], // [protocol://]address: one word
    ['client_body_temp_path', '1-4'], // path [level1 [level2 [level3]]]
    ['thread_pool', '2-3'],
    ['js_preload_object@ngx_http_js_module', '1,3'], // name.json | name from file.json
    ['listen@ngx_http_core_module', '1+'],
    ['error_log', '1+'], // file [level] [json]: an open list
    ['ssl_protocols@ngx_http_ssl_module', '0+'],
    ['stub_status', '0-1'], // a correction
    ['if', null],
  ])('counts the arguments of %s as %s', (key, want) => {
    const [name, module] = key.split('@');
    expect(countsOf(name!, module)).toBe(want);
  });

  it('names contexts by protocol and block', () => {
    expect([...CONTEXTS].sort()).toEqual([
      'events',
      'http',
      'http acme_issuer',
      'http if in location',
      'http if in server',
      'http limit_except',
      'http location',
      'http oidc_provider',
      'http server',
      'http upstream',
      'mail',
      'mail server',
      'main',
      'mgmt',
      'stream',
      'stream server',
      'stream upstream',
    ]);
    const where = (name: string) => [...new Set(specsOf(name).flatMap((s) => [...(s.contexts ?? ['anywhere'])]))].sort();
    expect(where('proxy_pass')).toEqual(['http if in location', 'http limit_except', 'http location', 'stream server']);
    // "Core functionality" says server: every protocol's server.
    expect(where('error_log')).toEqual(['http', 'http location', 'http server', 'mail', 'mail server', 'main', 'stream', 'stream server']);
    // The rewrite module's "if" is both kinds of if.
    expect(where('set')).toEqual(['http if in location', 'http if in server', 'http location', 'http server', 'stream server']);
    expect(where('add_header')).toEqual(['http', 'http if in location', 'http location', 'http server']);
    expect(where('include')).toEqual(['anywhere']);
    expect(specsIn('server', new Set<Context>(['http upstream'])).map((s) => s.block)).toEqual([false]);
  });

  it('keeps its corrections few, each with a reason', () => {
    expect(Object.keys(CORRECTIONS).sort()).toEqual(['fastcgi_split_path_info', 'secure_link_secret', 'status_zone', 'stub_status']);
    for (const [name, fix] of Object.entries(CORRECTIONS)) {
      expect(specsOf(name).length, name).toBeGreaterThan(0);
      expect(fix.why.length, name).toBeGreaterThan(20);
    }
  });
});

describe('fragments', () => {
  const contextsOf = (text: string) => [...fragmentContexts(parseNginxText(text, 'f.conf').parsed)].sort();

  it.each([
    ['location / {}', ['http location', 'http server']],
    ['listen 80; server_name example.com; location / {}', ['http server']],
    ['proxy_pass http://b; proxy_set_header Host $host;', ['http location']],
    ['server {} upstream u {}', ['http', 'stream']],
    ['server 127.0.0.1:80;', ['http upstream', 'stream upstream']],
    ['worker_processes 1; load_module m.so;', ['main']],
    ['more_set_headers "A: b"; include other.conf;', [...CONTEXTS].sort()],
  ])('reads %j as written for %j', (text, want) => {
    expect(contextsOf(text)).toEqual(want);
  });
});

function memoryHost(files: Record<string, string>): Host {
  return {
    readFile: (p) => {
      if (p in files) return files[p]!;
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    },
    check: (p) => (p in files ? 'ok' : 'ENOENT'),
    glob: () => [], listTree: () => [],
  };
}

const found = (files: Record<string, string>) =>
  lint([{ dialect: 'nginx', tree: parseNginx('nginx.conf', { host: memoryHost(files), comments: true }) }], { rules: RULES }).map(
    (f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}: ${f.message}`,
  );

describe('includes', () => {
  it('checks an included file where each include stands', () => {
    const files = {
      'nginx.conf': 'events {}\nhttp {\n    server {\n        location / {\n            include proxy.conf;\n        }\n        include proxy.conf;\n    }\n    include proxy.conf;\n}\n',
      'proxy.conf': 'proxy_set_header Host $host;\nproxy_pass http://127.0.0.1:8080;\n',
    };
    expect(found(files)).toEqual([
      'proxy.conf:2:1 directive-context: "proxy_pass" directive is not allowed here',
    ]);
  });

  it('carries the context through nested includes, and stops at a cycle', () => {
    const files = {
      'nginx.conf': 'events {}\nhttp {\n    include a.conf;\n}\n',
      'a.conf': 'server {\n    include b.conf;\n}\n',
      // b.conf is read in a server block; it includes a.conf again, from a location.
      'b.conf': 'location / {\n    root;\n    include a.conf;\n}\nlisten 80;\nproxy_pass http://127.0.0.1;\n',
    };
    expect(found(files)).toEqual([
      'b.conf:2:5 directive-arguments: invalid number of arguments in "root" directive',
      'b.conf:6:1 directive-context: "proxy_pass" directive is not allowed here',
    ]);
  });
});

// Each finding of the two rules over the shared corpus, every file parsed on
// its own and read as a fragment unless it has http, events, stream or mail at
// its top. `wrap` puts a fragment in blocks for `nginx -t`; `nginx` says why a
// finding is not checked with it.
interface CorpusFinding {
  at: string;
  why: string;
  wrap?: [string, string];
  nginx?: string;
}

const IN_SERVER: [string, string] = ['events {}\nhttp {\nserver {\n', '}\n}\n'];
const IN_HTTP: [string, string] = ['events {}\nhttp {\n', '}\n'];

const CORPUS_FINDINGS: CorpusFinding[] = [
  {
    at: 'MegaManSec_gixy-ng/tests__plugins__simply__allow_without_deny__allow_without_deny_dump.conf:11 directive-context',
    why: 'an nginx -T dump saved as one file: the included /tmp/deny lands at the top level, where "allow" is refused',
    nginx: 'nginx stops earlier, at the include of /tmp/deny, which does not exist',
  },
  {
    at: 'MegaManSec_gixy-ng/tests__plugins__simply__allow_without_deny__allow_without_deny_dump_fp.conf:12 directive-context',
    why: 'the same kind of dump: "allow" at the top level',
    nginx: 'nginx stops earlier, at the include of /tmp/deny, which does not exist',
  },
  {
    at: 'MegaManSec_gixy-ng/tests__plugins__simply__proxy_pass_normalized__missing_variable_in_limit_except.conf:3 directive-context',
    why: 'rewrite inside limit_except, which takes only access, auth and proxy_pass-like directives',
    wrap: IN_SERVER,
  },
  {
    at: 'MegaManSec_gixy-ng/tests__plugins__simply__proxy_pass_normalized__missing_variable_in_limit_except_fp.conf:3 directive-context',
    why: 'the same rewrite inside limit_except',
    wrap: IN_SERVER,
  },
  {
    at: 'MegaManSec_gixy-ng/tests__plugins__simply__return_bypasses_allow_deny__same_next_level_fp.conf:6 directive-context',
    why: 'try_files inside "if" in a location (server and location only)',
    wrap: IN_SERVER,
  },
  {
    at: 'nginxinc_crossplane/tests__configs__bad-args__nginx.conf:1 directive-arguments',
    why: 'crossplane\'s own bad-args test: "user;" without a user',
  },
  {
    at: 'yandex_gixy/tests__plugins__simply__add_header_redefinition__non_block_fp.conf:2 directive-arguments',
    why: '`server "some";` beside add_header: in http a server needs a block, and elsewhere it is not allowed',
    wrap: IN_HTTP,
  },
  {
    at: 'yandex_gixy/tests__plugins__simply__origins__origin_wo_slash.conf:4 directive-context',
    why: '"if" right inside http (server and location only)',
  },
];

const CORPUS_FILES = readdirSync(join(NGINX_CORPUS, 'files'))
  .flatMap((repo) => readdirSync(join(NGINX_CORPUS, 'files', repo)).map((f) => `${repo}/${f}`))
  .sort();

function lintCorpusFile(file: string) {
  const cwd = process.cwd();
  process.chdir(join(NGINX_CORPUS, 'files'));
  try {
    return lint([{ dialect: 'nginx', tree: parseNginx(file, { singleFile: true, comments: true }) }], { rules: RULES });
  } finally {
    process.chdir(cwd);
  }
}

describe('the shared corpus', () => {
  const all = CORPUS_FILES.flatMap((file) => lintCorpusFile(file));

  it('gives only the findings listed, each one right', () => {
    expect(CORPUS_FILES.length).toBeGreaterThan(1000);
    expect(all.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual(CORPUS_FINDINGS.map((c) => c.at));
  });

  it.each(CORPUS_FINDINGS.filter((c) => !c.nginx).map((c) => [c.at, c] as const))('agrees with nginx -t: %s', (at, { wrap }) => {
    const finding = all.find((f) => `${f.file}:${f.line} ${f.ruleId}` === at)!;
    const [before, after] = wrap ?? ['', ''];
    const text = readFileSync(join(NGINX_CORPUS, 'files', finding.file), 'utf8');
    const shift = before.split('\n').length - 1;
    expect(nginxTest(`${before}${text}\n${after}`)).toEqual({ ok: false, message: finding.message, line: finding.line + shift });
  });
});

interface NginxCase {
  name: string;
  config: string;
  message: string;
  line: number;
}

const http = (server: string) => `events {}\nhttp {\n    server {\n${server}    }\n}\n`;

const NGINX_CASES: NginxCase[] = [
  { name: 'proxy_pass in a server block', config: http('        proxy_pass http://127.0.0.1:8080;\n'), message: '"proxy_pass" directive is not allowed here', line: 4 },
  { name: 'add_header in "if" in a server block', config: http('        if ($host) {\n            add_header X a;\n        }\n'), message: '"add_header" directive is not allowed here', line: 5 },
  { name: 'return in limit_except', config: http('        location / {\n            limit_except GET {\n                return 405;\n            }\n        }\n'), message: '"return" directive is not allowed here', line: 6 },
  { name: 'limit_except in "if" in a location', config: http('        location / {\n            if ($a) {\n                limit_except GET { }\n            }\n        }\n'), message: '"limit_except" directive is not allowed here', line: 6 },
  { name: '"if" in "if"', config: http('        location / {\n            if ($a) {\n                if ($b) { }\n            }\n        }\n'), message: '"if" directive is not allowed here', line: 6 },
  { name: 'location in http', config: 'events {}\nhttp {\n    location / { }\n}\n', message: '"location" directive is not allowed here', line: 3 },
  { name: 'keepalive outside upstream', config: http('        keepalive 16;\n'), message: '"keepalive" directive is not allowed here', line: 4 },
  { name: 'listen in a location', config: http('        location / {\n            listen 80;\n        }\n'), message: '"listen" directive is not allowed here', line: 5 },
  { name: 'worker_connections at the top', config: 'worker_connections 10;\nevents {}\n', message: '"worker_connections" directive is not allowed here', line: 1 },
  { name: 'root without a path', config: http('        root;\n'), message: 'invalid number of arguments in "root" directive', line: 4 },
  { name: 'proxy_set_header with three arguments', config: http('        proxy_set_header Host $host x;\n'), message: 'invalid number of arguments in "proxy_set_header" directive', line: 4 },
  { name: 'rewrite with one argument', config: http('        rewrite ^/a;\n'), message: 'invalid number of arguments in "rewrite" directive', line: 4 },
  { name: 'limit_except without a method', config: http('        location / {\n            limit_except { }\n        }\n'), message: 'invalid number of arguments in "limit_except" directive', line: 5 },
  { name: 'stub_status with two arguments', config: http('        location / {\n            stub_status on off;\n        }\n'), message: 'invalid number of arguments in "stub_status" directive', line: 5 },
  { name: 'location without a block', config: http('        location /a;\n'), message: 'directive "location" has no opening "{"', line: 4 },
  { name: 'server in http without a block', config: 'events {}\nhttp {\n    server 127.0.0.1;\n}\n', message: 'directive "server" has no opening "{"', line: 3 },
  { name: 'root with a block', config: http('        root /var/www { }\n'), message: 'directive "root" is not terminated by ";"', line: 4 },
  { name: 'server in upstream with a block', config: 'events {}\nhttp {\n    upstream u {\n        server 127.0.0.1 { }\n    }\n}\n', message: 'directive "server" is not terminated by ";"', line: 4 },
];

// Configs nginx accepts that a careless reading of the lib would refuse.
const NGINX_ACCEPTS: Array<[string, string]> = [
  ['error_log with several debug levels', http('        error_log /dev/null debug_http debug_event;\n')],
  ['access_log with its options', http('        access_log /dev/null combined buffer=32k gzip flush=5m if=$uri;\n')],
  ['ssl_protocols with every version', http('        ssl_protocols SSLv2 SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 TLSv1.3;\n')],
  ['stub_status on (a correction)', http('        location / {\n            stub_status on;\n        }\n')],
  ['fastcgi_split_path_info in http (a correction)', 'events {}\nhttp {\n    fastcgi_split_path_info ^(.+\\.php)(/.+)$;\n}\n'],
  ['fastcgi_split_path_info in a server (a correction)', http('        fastcgi_split_path_info ^(.+\\.php)(/.+)$;\n')],
  ['secure_link_secret in http (a correction)', 'events {}\nhttp {\n    secure_link_secret s3cr3t;\n}\n'],
  ['secure_link_secret in a server (a correction)', http('        secure_link_secret s3cr3t;\n')],
  ['rewrite directives in "if" in a server', http('        if ($host) {\n            set $a 1;\n            rewrite ^ /x;\n            break;\n            return 404;\n        }\n')],
  ['proxy_pass and auth in limit_except', http('        location / {\n            limit_except GET {\n                auth_basic off;\n                proxy_pass http://127.0.0.1:8080;\n            }\n        }\n')],
];

describe('a real nginx -t', () => {
  it.each(NGINX_CASES)('says what the rules say: $name', ({ config, message, line }) => {
    expect(nginxTest(config)).toEqual({ ok: false, message, line });
    expect(lintText(config, 'nginx', RULES).map((f) => [f.message, f.line])).toEqual([[message, line]]);
  });

  it.each(NGINX_ACCEPTS)('accepts, and so do the rules: %s', (_name, config) => {
    expect(nginxTest(config)).toEqual({ ok: true });
    expect(lintText(config, 'nginx', RULES)).toEqual([]);
  });

  it('checks every correction it can: status_zone exists in NGINX Plus only', () => {
    const checked = new Set(NGINX_ACCEPTS.flatMap(([name]) => (name.endsWith('(a correction)') ? [name.split(' ')[0]!] : [])));
    expect([...checked, 'status_zone'].sort()).toEqual(Object.keys(CORRECTIONS).sort());
  });

  // Whole configs of the two rules' fixtures that Debian's nginx can read (no
  // stream or mail module, no third-party directives): its first error is the
  // rules' first finding.
  const WHOLE = fixtureCases('directive-context')
    .concat(fixtureCases('directive-arguments'))
    .filter((c) => c.dialect === 'nginx')
    .map((c) => c.file)
    .filter((f) => !/\/(fragment[^/]*|stream|unknown)\.nginx\.conf$/.test(f));

  it.each(WHOLE.map((f) => [f.split('/fixtures/')[1]!, f]))('fails on the first finding of %s', (_name, file) => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-nginx-'));
    try {
      cpSync(dirname(file), dir, { recursive: true });
      const run = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', join(dir, basename(file)), '-e', 'stderr'], { encoding: 'utf8' });
      const m = /\[emerg\] \d+#\d+: (.*) in (\S+):(\d+)$/m.exec(run.stderr);
      // Findings come sorted by file and line.
      const first = lint([{ dialect: 'nginx', tree: parseNginx(file, { comments: true }) }], { rules: RULES })
        .find((f) => basename(f.file) === basename(m?.[2] ?? ''));
      expect(m?.slice(1).map((s, i) => (i === 1 ? basename(s) : s))).toEqual([first?.message, basename(first?.file ?? ''), String(first?.line)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Slow (about a minute): every http and core directive of the lib that
// Debian's nginx knows, in each context, then with 0 to 9 arguments where
// nginx first accepts it. Nothing that nginx accepts may be reported.
describe('every directive against nginx -t', () => {
  const PLACES: Record<string, string> = {
    main: 'X\nevents {}\n',
    events: 'events { X }\n',
    http: 'events {}\nhttp { X }\n',
    'http server': 'events {}\nhttp { server { X } }\n',
    'http location': 'events {}\nhttp { server { location / { X } } }\n',
    'http if in server': 'events {}\nhttp { server { if ($a) { X } } }\n',
    'http if in location': 'events {}\nhttp { server { location / { if ($a) { X } } } }\n',
    'http limit_except': 'events {}\nhttp { server { location / { limit_except GET { X } } } }\n',
    'http upstream': 'events {}\nhttp { upstream u { server 127.0.0.1; X } }\n',
  };
  const REFUSED = /is not allowed here|^invalid number of arguments|has no opening|is not terminated by/;
  // nginxTest wants an [emerg] line; a few handlers fail with an [alert] or a crash.
  const verdictOf = (config: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'verblint-nginx-'));
    try {
      writeFileSync(join(dir, 'nginx.conf'), config);
      const run = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { encoding: 'utf8', timeout: 20_000 });
      return run.status === 0 ? 'ok' : (/\[(?:emerg|alert)\] \d+#\d+: (.*) in \S+:\d+$/m.exec(run.stderr)?.[1] ?? run.stderr.trim());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const names = [...new Set(getDirectives().filter((d) => !/^ngx_(stream|mail)_/.test(d.module)).map((d) => d.name))];

  it('reports nothing nginx accepts', { timeout: 1_200_000 }, () => {
    const refusedWrongly: string[] = [];
    const check = (name: string, place: string, n: number): 'unknown' | 'refused' | 'accepted' => {
      const block = specsOf(name).some((s) => s.block);
      const args = Array.from({ length: n }, (_, i) => ` x${i}`).join('');
      const config = PLACES[place]!.replace('X', `${name}${args}${block ? ' { }' : ';'}`);
      const verdict = verdictOf(config);
      if (verdict.startsWith('unknown directive')) return 'unknown';
      if (REFUSED.test(verdict)) return 'refused';
      const ours = lintText(config, 'nginx', RULES);
      if (ours.length > 0) refusedWrongly.push(`${name} in ${place} with ${n}: ${ours[0]!.message} (nginx: ${verdict})`);
      return 'accepted';
    };
    let known = 0;
    for (const name of names.filter((n) => n !== 'include')) {
      let counted = false;
      for (const place of Object.keys(PLACES)) {
        const first = check(name, place, 1);
        if (first === 'unknown') break;
        if (place === 'main') known++;
        if (first !== 'accepted' || counted) continue;
        counted = true;
        for (const n of [0, 2, 3, 4, 5, 6, 7, 8, 9]) check(name, place, n);
      }
    }
    expect(known).toBeGreaterThan(500);
    expect(refusedWrongly).toEqual([]);
  });
});
