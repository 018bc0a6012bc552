// Random configs and requests, seeded and reproducible: the simulator must
// agree with a real nginx on every (config, request) pair, or say it cannot
// tell. VERBLINT_SEED picks another seed; the default one runs in CI.
import { expect, it } from 'vitest';
import { checkConfig, describeProblem, type Checked } from '../helpers/agree.js';
import { describeReal, type RealRequest, type RealSite } from '../helpers/real-nginx.js';
import { chance, generator, pick, some, type Random } from '../helpers/random.js';

const SEED = Number(process.env.VERBLINT_SEED ?? 20261122);
const CONFIGS = 40;
const REQUESTS_PER_CONFIG = 9;


const PREFIXES = ['/api/', '/api/v1/', '/app', '/static/', '/up/', '/files/', '/'];
const REGEXES = ['~ \\.(json|txt)$', '~* ^/API/', '~ ^/api/v[0-9]+/', '~ /up', '~* \\.PHP$'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
const REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'FOO', 'TRACE', 'MKCOL', 'post'];
const URIS = ['/', '/api', '/api/', '/api/users', '/api/data.json', '/api/v1', '/api/v1/x', '/api/v2/x', '/app', '/app/', '/app/x.txt', '/static/a.txt', '/static/missing', '/static', '/up', '/up/file', '/upload', '/files', '/files/', '/index.html', '/x.txt', '/API/x', '/e.html', '/a.php', '/api/users?x=1', '/app/x.txt?x=1', '/files/../x.txt', '/api//users', '/static/a.txt/'];
const FILES: Record<string, string | null> = {
  'index.html': 'i',
  'e.html': 'e',
  'x.txt': 'x',
  'api/data.json': '{}',
  'app/x.txt': 'x',
  'static/a.txt': 'a',
  'files/': null,
  'up/file': 'f',
  'a.php': 'p',
};

function handler(r: Random, s: RealSite, regex: boolean): string {
  const b = `http://127.0.0.1:${s.backend}`;
  return pick(r, [
    `proxy_pass ${b};`,
    regex ? `proxy_pass ${b};` : `proxy_pass ${b}/;`,
    regex ? `proxy_pass ${b};` : `proxy_pass ${b}/v1/;`,
    `return ${pick(r, [200, 204, 403, 405, 418])};`,
    'return 301 /moved;',
    '',
    'try_files $uri =404;',
    'try_files $uri /index.html;',
    'try_files $uri $uri/ @back;',
    'dav_methods PUT DELETE;',
    'empty_gif;',
    'index index.html; try_files $uri $uri/ =404;',
    'rewrite ^/(.*)$ /app/$1 break;',
    regex ? 'rewrite ^ /e.html last;' : `rewrite ^${'/'}(\\w+)/(.*)$ /$2 last;`,
    `alias ${s.root}/files/;`,
    'autoindex on;',
    'deny all;',
    'internal;',
    `proxy_method POST; proxy_pass ${b};`,
  ]);
}

function location(r: Random, s: RealSite, spec: string, regex: boolean, nested: string): string {
  const lines: string[] = [];
  const main = handler(r, s, regex);
  const passes = main.startsWith('proxy_pass');
  if (chance(r, 0.35)) {
    const allowed = some(r, METHODS, 0.35);
    if (allowed.length === 0) allowed.push('GET');
    const body = pick(r, [
      'deny all;',
      'deny all;',
      'allow all;',
      '',
      `auth_basic "x"; auth_basic_user_file ${s.root}/htpasswd;`,
      ...(passes || main.startsWith('empty_gif') ? [] : [`proxy_pass http://127.0.0.1:${s.backend};`]),
    ]);
    lines.push(`limit_except ${allowed.join(' ')} { ${body} }`);
  }
  if (chance(r, 0.25)) lines.push(`if ($request_method = ${pick(r, ['POST', 'OPTIONS', 'DELETE'])}) { return ${pick(r, [204, 403, 405])}; }`);
  if (chance(r, 0.3)) {
    lines.push(pick(r, ['error_page 405 =200 $uri;', 'error_page 405 = @back;', 'error_page 403 404 /e.html;', 'error_page 405 /e.html;', 'error_page 404 =200 /index.html;']));
  }
  if (chance(r, 0.2)) lines.push(`add_header Allow "GET, HEAD"${chance(r, 0.5) ? ' always' : ''};`);
  if (chance(r, 0.1)) lines.push(`if ($arg_x) { add_header X-If 1 always; }`);
  if (chance(r, 0.1)) lines.push(`client_max_body_size 2;`);
  lines.push(main);
  if (nested) lines.push(nested);
  return `location ${spec} { ${lines.join(' ')} }`;
}

function config(r: Random): (s: RealSite) => string {
  // Decide the shape once, so the text is the same whatever the ports are.
  const seed = Math.floor(r() * 2 ** 32);
  return (s) => {
    const g = generator(seed);
    const used = new Set<string>();
    const blocks: string[] = [];
    for (const prefix of some(g, PREFIXES, 0.5)) {
      const modifier = pick(g, ['', '', '^~', '=']);
      const name = modifier === '=' ? prefix.replace(/(.)\/$/, '$1') : prefix;
      const key = `${modifier === '=' ? '=' : ''}${name}`;
      if (used.has(key)) continue;
      used.add(key);
      let nested = '';
      if (modifier !== '=' && prefix.endsWith('/') && chance(g, 0.25)) {
        nested = chance(g, 0.5) ? location(g, s, `${prefix}deep/`, false, '') : location(g, s, '~ \\.json$', true, '');
      }
      blocks.push(location(g, s, `${modifier ? `${modifier} ` : ''}${name}`, false, nested));
    }
    for (const regex of some(g, REGEXES, 0.35)) blocks.push(location(g, s, regex, true, ''));
    blocks.push(`location @back { proxy_pass http://127.0.0.1:${s.backend}; }`);
    const top = chance(g, 0.2) ? `if ($request_method = ${pick(g, ['PATCH', 'DELETE'])}) { return 418; }\n` : '';
    return `server {\nlisten 127.0.0.1:${s.port};\nserver_name localhost;\nroot ${s.root};\n${top}${blocks.join('\n')}\n}\n`;
  };
}

function requests(r: Random): RealRequest[] {
  return Array.from({ length: REQUESTS_PER_CONFIG }, () => {
    const method = pick(r, REQUEST_METHODS);
    const uri = pick(r, URIS);
    const req: RealRequest = { method, target: chance(r, 0.1) ? `http://localhost${uri}` : uri };
    if (method === 'POST' || method === 'PUT') req.body = 'data';
    return req;
  });
}

describeReal(`the simulator agrees with nginx on ${CONFIGS * REQUESTS_PER_CONFIG} generated pairs (seed ${SEED})`, () => {
  it('every prediction matches, or says it cannot tell', async () => {
    const r = generator(SEED);
    const all: Checked[] = [];
    const problems: string[] = [];
    for (let i = 0; i < CONFIGS; i++) {
      const body = config(r);
      const reqs = requests(r);
      let text = '';
      const checked = await checkConfig((s) => (text = body(s)), { ...FILES, htpasswd: 'u:x' }, reqs);
      for (const c of checked) if (c.problem) problems.push(`config ${i}: ${describeProblem(c, text)}`);
      all.push(...checked);
    }
    const cannotTell = all.filter((c) => c.outcome.cannotTell).length;
    const answers = new Map<string, number>();
    for (const c of all) {
      const key = c.outcome.producer === 'upstream' ? 'upstream' : `${c.outcome.status ?? 'none'} ${c.outcome.producer}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    }
    const spread = [...answers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');
    console.info(`generated pairs: ${all.length}, cannot tell: ${cannotTell}, disagreements: ${problems.length}\nanswers: ${spread}`);
    expect(all.length).toBe(CONFIGS * REQUESTS_PER_CONFIG);
    expect(problems).toEqual([]);
  }, 120_000);
});
