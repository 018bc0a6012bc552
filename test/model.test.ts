import { describe, expect, it } from 'vitest';
import { directives, directivesNamed, type Directive } from '../src/model.js';
import { parseNginxText } from '../src/parse.js';

describe('directives: every directive in document order', () => {
  const { parsed, errors } = parseNginxText(
    `# top
events { worker_connections 10; }
http {
  # in http
  server {
    listen 80;
    location / { location /a/ { return 204; } root /srv; }
    location /b/ { }
  }
  include mime.types;
}
`,
    'nginx.conf',
    true,
  );

  it('goes depth first, skips comments, and does not follow includes', () => {
    expect(errors).toEqual([]);
    expect(parsed.some((d) => d.directive === '#')).toBe(true);
    expect([...directives(parsed)].map((d) => `${d.directive} ${d.args.join(' ')}`.trim())).toEqual([
      'events',
      'worker_connections 10',
      'http',
      'server',
      'listen 80',
      'location /',
      'location /a/',
      'return 204',
      'root /srv',
      'location /b/',
      'include mime.types',
    ]);
    expect(directivesNamed(parsed, 'location').map((d) => d.line)).toEqual([7, 7, 8]);
    expect([...directives([])]).toEqual([]);
  });

  it('walks a block nested 20,000 deep without a stack overflow', () => {
    let inner: Directive[] = [];
    const top = inner;
    for (let i = 0; i < 20_000; i++) {
      const block: Directive[] = [];
      inner.push({ directive: 'if', args: [], block } as unknown as Directive);
      inner = block;
    }
    let n = 0;
    for (const d of directives(top)) if (d.directive === 'if') n++;
    expect(n).toBe(20_000);
  });
});
