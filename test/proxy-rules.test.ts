// The proxy_pass rules whose claim is an `nginx -t` verdict: a real nginx
// must fail on each Bad example with the words the rule uses, and pass its
// Good example.
import { expect, it } from 'vitest';
import multipleContentHandlers from '../rules/multiple-content-handlers.js';
import proxyPassUriNotAllowed from '../rules/proxy-pass-uri-not-allowed.js';
import type { Finding } from '../src/finding.js';
import { URI_PART_NOT_ALLOWED } from '../src/proxy-rules.js';
import { docExample } from './helpers/fixtures.js';
import { lintText } from './helpers/lint.js';
import { nginxTest, type NginxVerdict } from './helpers/nginx.js';
import { describeReal } from './helpers/real-nginx.js';

/** A server block as a whole config, its lines 2 below where they were; include lines (fastcgi_params) are blanked, nginx -t binds no port. */
const whole = (server: string): string => `events {}\nhttp {\n${server.replace(/^[ \t]*include[ \t]+[^;\n]+;[ \t]*$/gm, '')}}\n`;
const OFFSET = 2;

/** The rule reports once, on the line nginx names, in nginx's words. */
function agreesWithNginx(findings: Finding[], verdict: NginxVerdict): void {
  expect(verdict.ok).toBe(false);
  expect(findings.map((f) => f.line)).toEqual([verdict.line! - OFFSET]);
  expect(findings[0]!.message.startsWith(`${verdict.message!}: nginx -t fails`)).toBe(true);
}

describeReal('proxy rules and nginx -t', () => {
  it('proxy-pass-uri-not-allowed: the Bad example fails with the words of the rule', () => {
    const bad = docExample('proxy-pass-uri-not-allowed', '## Bad');
    const verdict = nginxTest(whole(bad));
    expect(verdict.message).toBe(URI_PART_NOT_ALLOWED);
    agreesWithNginx(lintText(bad, 'nginx', [proxyPassUriNotAllowed]), verdict);
  });

  it('proxy-pass-uri-not-allowed: the Good example passes', () => {
    expect(nginxTest(whole(docExample('proxy-pass-uri-not-allowed', '## Good')))).toEqual({ ok: true });
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
    const findings = lintText(server, 'nginx', [proxyPassUriNotAllowed]);
    if (ok) {
      expect(verdict).toEqual({ ok: true });
      expect(findings).toEqual([]);
    } else {
      expect(verdict.message).toBe(URI_PART_NOT_ALLOWED);
      agreesWithNginx(findings, verdict);
    }
  });

  it('multiple-content-handlers: nginx -t accepts two different handlers (the last wins)', () => {
    expect(nginxTest(whole(docExample('multiple-content-handlers', '## Bad')))).toEqual({ ok: true });
  });

  it.each(['proxy_pass http://127.0.0.1:8080', 'fastcgi_pass 127.0.0.1:9000', 'uwsgi_pass 127.0.0.1:9000', 'grpc_pass grpc://127.0.0.1:9000', 'memcached_pass 127.0.0.1:11211'])(
    'multiple-content-handlers: the same %s twice fails as the rule says',
    (pass) => {
      const server = `server {\n    listen 80;\n    location /a/ {\n        ${pass};\n        ${pass};\n    }\n}\n`;
      agreesWithNginx(lintText(server, 'nginx', [multipleContentHandlers]), nginxTest(whole(server)));
    },
  );
});
