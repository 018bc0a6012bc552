// The real-nginx harness itself: each piece checked against nginx 1.22.1 with
// exact expectations, so a failing rule test can't be blamed on the harness.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeReal, startNginx, type RealNginx } from '../helpers/real-nginx.js';

const FILES = {
  'index.html': 'home\n',
  'file.txt': 'a static file\n',
  'empty-dir': null,
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeReal('real nginx harness', () => {
  let nginx: RealNginx;

  beforeAll(async () => {
    nginx = await startNginx(
      (site) => `
    server {
        listen 127.0.0.1:${site.port};
        root ${site.root};
        location = /teapot { return 418; }
        location = /close { return 444; }
        location /api/ { proxy_pass http://127.0.0.1:${site.backend}; }
        location /dead/ { proxy_pass http://127.0.0.1:${site.dead}; }
        location /fcgi/ { fastcgi_pass 127.0.0.1:${site.dead}; }
        location /uwsgi/ { uwsgi_pass 127.0.0.1:${site.dead}; }
        location /scgi/ { scgi_pass 127.0.0.1:${site.dead}; }
    }`,
      FILES,
    );
  });

  afterAll(async () => {
    await nginx?.stop();
  });

  it('writes the files and one config with every path inside the prefix', () => {
    const { site, config } = nginx;
    expect(site.root).toBe(`${site.prefix}/html`);
    expect(existsSync(`${site.root}/file.txt`)).toBe(true);
    expect(existsSync(`${site.root}/empty-dir`)).toBe(true);
    for (const directive of ['pid', 'error_log', 'client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path']) {
      expect(config).toMatch(new RegExp(`^\\s*${directive} ${site.prefix}/`, 'm'));
    }
    expect(new Set([site.port, site.backend, site.dead]).size).toBe(3);
  });

  it('return 418 answers any method, in origin and absolute form', async () => {
    for (const method of ['GET', 'POST', 'FOO']) {
      expect((await nginx.request({ method, target: '/teapot' })).status).toBe(418);
    }
    const absolute = await nginx.request({ method: 'GET', target: 'http://localhost/teapot' });
    expect(absolute.status).toBe(418);
    expect(absolute.backend).toBeNull();
  });

  it('the backend sees the method, the raw target and the body length', async () => {
    const post = await nginx.request({ method: 'POST', target: '/api/users?x=1&y=%2F', body: 'name=ann' });
    expect(post.status).toBe(200);
    expect(post.backend).toEqual({ method: 'POST', path: '/api/users?x=1&y=%2F', bodyLength: 8 });
    expect(JSON.parse(post.body)).toEqual({ method: 'POST', path: '/api/users?x=1&y=%2F', bodyLength: 8 });

    const get = await nginx.request({ method: 'GET', target: '/api/', body: 'ab' });
    expect(get.backend).toEqual({ method: 'GET', path: '/api/', bodyLength: 2 });

    // Unknown tokens are forwarded verbatim.
    for (const method of ['FOO', 'M-SEARCH', '_X-Y_']) {
      const r = await nginx.request({ method, target: '/api/x' });
      expect([r.status, r.backend]).toEqual([200, { method, path: '/api/x', bodyLength: 0 }]);
    }

    const head = await nginx.request({ method: 'HEAD', target: '/api/h' });
    expect([head.status, head.backend?.method, head.body]).toEqual([200, 'HEAD', '']);
  });

  it("the backend's own 405 comes through with its Allow header", async () => {
    const r = await nginx.request({
      method: 'DELETE',
      target: '/api/item/1',
      headers: { 'X-Echo-Status': '405', 'X-Echo-Allow': 'GET, POST' },
    });
    expect(r.status).toBe(405);
    expect(r.allow).toBe('GET, POST');
    expect(r.backend).toEqual({ method: 'DELETE', path: '/api/item/1', bodyLength: 0 });
  });

  it('static files: 200 for GET, 405 without Allow for PUT, 404 for a missing file', async () => {
    const get = await nginx.request({ method: 'GET', target: '/file.txt' });
    expect([get.status, get.body, get.backend]).toEqual([200, 'a static file\n', null]);
    const put = await nginx.request({ method: 'PUT', target: '/file.txt', body: 'x' });
    expect([put.status, put.allow]).toEqual([405, null]);
    expect((await nginx.request({ method: 'PUT', target: '/missing' })).status).toBe(405);
    expect((await nginx.request({ method: 'GET', target: '/missing' })).status).toBe(404);
    const dir = await nginx.request({ method: 'GET', target: '/empty-dir', host: 'example.com' });
    expect([dir.status, dir.location]).toEqual([301, `http://example.com:${nginx.site.port}/empty-dir/`]);
    expect((await nginx.request({ method: 'GET', target: '/' })).body).toBe('home\n');
  });

  it('return 444 closes the connection without an answer', async () => {
    const r = await nginx.request({ method: 'GET', target: '/close' });
    expect(r).toEqual({ status: null, allow: null, location: null, wwwAuthenticate: null, headers: {}, body: '', backend: null });
  });

  it('the request line reaches nginx as written', async () => {
    const status = async (method: string, target: string): Promise<number | null> => (await nginx.request({ method, target })).status;
    expect(await status('get', '/')).toBe(400);
    expect(await status('Get', '/api/x')).toBe(400);
    expect(await status('TRACE', '/')).toBe(405);
    expect(await status('TRACE', '/api/x')).toBe(405);
    expect(await status('CONNECT', '/api/x')).toBe(405);
    expect(await status('CONNECT', 'example.com:443')).toBe(400);
    expect(await status('OPTIONS', '*')).toBe(400);
    expect(nginx.errorLog()).toContain('client sent invalid method while reading client request line');
  });

  it('every *_pass to the dead port gives 502', async () => {
    for (const target of ['/dead/', '/fcgi/', '/uwsgi/', '/scgi/']) {
      expect([target, (await nginx.request({ method: 'POST', target, body: 'x' })).status]).toEqual([target, 502]);
    }
    expect(nginx.errorLog()).toMatch(/connect\(\) failed \(111: Connection refused\) while connecting to upstream/);
  });

  it('concurrent requests all get their own answer', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => `/api/${i}`);
    const answers = await Promise.all(paths.map((target) => nginx.request({ method: 'PATCH', target })));
    expect(answers.map((a) => a.backend?.path)).toEqual(paths);
  });

  it('stop() ends the process and removes the prefix', async () => {
    const other = await startNginx((site) => `server { listen 127.0.0.1:${site.port}; return 204; }`);
    expect(other.site.port).not.toBe(nginx.site.port);
    expect((await other.request({ method: 'GET', target: '/' })).status).toBe(204);
    expect(alive(other.pid)).toBe(true);
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    expect(existsSync(other.site.prefix)).toBe(false);
    expect(other.errorLog()).toMatch(/\[notice\] \d+#\d+: signal 15 \(SIGTERM\) received from \d+, exiting\n/);
    expect(other.errorLog()).not.toContain('client closed connection');
    await other.stop();
    await expect(other.request({ method: 'GET', target: '/' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it("a config nginx rejects fails with nginx's message, and leaves nothing behind", async () => {
    const error = await startNginx((site) => `server { listen 127.0.0.1:${site.port}; location / { limit_except FOO { deny all; } } }`).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/nginx exited \(1\):[\s\S]*\[emerg\] \d+#\d+: invalid method "FOO" in \S+nginx\.conf:\d+/);
  });

  it('gives up quickly when the port is always taken', async () => {
    const started = performance.now();
    // The echo backend's port is in use on every attempt.
    await expect(startNginx((site) => `server { listen 127.0.0.1:${site.backend}; }`)).rejects.toThrow(
      /nginx could not bind a free port in 5 attempts:[\s\S]*bind\(\) to 127\.0\.0\.1:\d+ failed \(98: Address already in use\)/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses to listen anywhere but 127.0.0.1', async () => {
    await expect(startNginx(() => 'server { listen 8080; }')).rejects.toThrow('real nginx listens on 127.0.0.1 only; got "listen 8080"');
  });
});
