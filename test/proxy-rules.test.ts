// The proxy_pass rules whose claim is an `nginx -t` verdict: a real nginx
// must fail on each Bad example with the words the rule uses, and pass its
// Good example.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import multipleContentHandlers from '../rules/multiple-content-handlers.js';
import proxyPassUriNotAllowed from '../rules/proxy-pass-uri-not-allowed.js';
import { URI_PART_NOT_ALLOWED } from '../src/proxy-rules.js';
import { lintText } from './helpers/lint.js';
import { nginxTest } from './helpers/nginx.js';
import { nginxInstalled } from './helpers/real-nginx.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function example(id: string, heading: '## Bad' | '## Good'): string {
  const doc = readFileSync(`${ROOT}rules/${id}.md`, 'utf8');
  const m = /```nginx\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(`\n${heading}\n`)));
  if (!m) throw new Error(`rules/${id}.md has no nginx ${heading} example`);
  return m[1]!;
}

/** A server block as a whole config; include lines (fastcgi_params) are dropped, nginx -t binds no port. */
const whole = (server: string): string => `events {}\nhttp {\n${server.replace(/^\s*include\s+[^;]+;\s*$/gm, '')}}\n`;

describe.skipIf(!nginxInstalled)('proxy rules and nginx -t', () => {
  it('proxy-pass-uri-not-allowed: the Bad example fails with the words of the rule', () => {
    const bad = example('proxy-pass-uri-not-allowed', '## Bad');
    const verdict = nginxTest(whole(bad));
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toBe(URI_PART_NOT_ALLOWED);
    const findings = lintText(bad, 'nginx', [proxyPassUriNotAllowed]);
    expect(findings.length).toBe(1);
    expect(findings[0]!.message.startsWith(`${verdict.message!}: nginx -t fails`)).toBe(true);
  });

  it('proxy-pass-uri-not-allowed: the Good example passes', () => {
    expect(nginxTest(whole(example('proxy-pass-uri-not-allowed', '## Good')))).toEqual({ ok: true });
  });

  it.each([
    ['a named location', 'location @b { proxy_pass http://127.0.0.1:8080/x; }', false],
    ['an if block', 'location /a/ { if ($arg_x) { proxy_pass http://127.0.0.1:8080/x; } }', false],
    ['a limit_except block', 'location /a/ { limit_except GET { proxy_pass http://127.0.0.1:8080/; } }', false],
    ['a regex location, with variables', 'location ~ ^/a/(.*)$ { proxy_pass http://127.0.0.1:8080/$1; }', true],
    ['a regex location, a UNIX socket', 'location ~ ^/a/ { proxy_pass http://unix:/run/a.sock:/x/; }', false],
  ])('proxy-pass-uri-not-allowed: %s', (_name, location, ok) => {
    const server = `server {\n    listen 80;\n    ${location}\n}\n`;
    const verdict = nginxTest(whole(server));
    expect(verdict.ok).toBe(ok);
    if (!ok) expect(verdict.message).toBe(URI_PART_NOT_ALLOWED);
    expect(lintText(server, 'nginx', [proxyPassUriNotAllowed]).length).toBe(ok ? 0 : 1);
  });

  it('multiple-content-handlers: nginx -t accepts two different handlers (the last wins)', () => {
    expect(nginxTest(whole(example('multiple-content-handlers', '## Bad')))).toEqual({ ok: true });
  });

  it.each(['proxy_pass http://127.0.0.1:8080', 'fastcgi_pass 127.0.0.1:9000', 'uwsgi_pass 127.0.0.1:9000', 'grpc_pass grpc://127.0.0.1:9000', 'memcached_pass 127.0.0.1:11211'])(
    'multiple-content-handlers: the same %s twice fails as the rule says',
    (pass) => {
      const server = `server {\n    listen 80;\n    location /a/ {\n        ${pass};\n        ${pass};\n    }\n}\n`;
      const verdict = nginxTest(whole(server));
      expect(verdict.ok).toBe(false);
      const findings = lintText(server, 'nginx', [multipleContentHandlers]);
      expect(findings.length).toBe(1);
      expect(findings[0]!.message.startsWith(`${verdict.message!}: nginx -t fails`)).toBe(true);
    },
  );
});
