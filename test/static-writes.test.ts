import { describe, expect, it } from 'vitest';
import { allLocations } from '../src/nginx-model.js';
import { alwaysPasses, looksLikeWritePath } from '../src/static-writes.js';
import { modelOfText } from './helpers/agree.js';

const locationsOf = (text: string) => modelOfText(text).servers.flatMap((s) => allLocations(s.locations));

describe('alwaysPasses: a location the static module can never answer', () => {
  it('holds for a plain *_pass location, and not where something could send the request elsewhere', () => {
    const locations = locationsOf(`http {
  server {
    listen 80;
    location ~ /proxy { proxy_pass http://b; proxy_set_header Host $host; }
    location ~ /fastcgi { fastcgi_pass 127.0.0.1:9000; }
    location ~ /guarded { deny all; auth_basic "x"; grpc_pass grpc://b; }
    location ~ /memcached { memcached_pass 127.0.0.1:11211; }
    location ~ /none { expires 1h; }
    location ~ /last-wins { proxy_pass http://b; empty_gif; }
    location ~ /with-if { if ($arg_x) { return 404; } proxy_pass http://b; }
    location ~ /nested { proxy_pass http://b; location ~ \\.css$ { } }
    location ~ /limited { limit_except GET { deny all; } proxy_pass http://b; }
    location ~ /rewrites { rewrite ^ /x last; proxy_pass http://b; }
    location ~ /returns { return 403; proxy_pass http://b; }
    location ~ /tries { try_files $uri @b; proxy_pass http://b; }
    location ~ /errors { error_page 403 @b; proxy_pass http://b; }
    location ~ /auth { auth_request /check; proxy_pass http://b; }
  }
  server {
    listen 81;
    error_page 404 @static;
    location ~ /inherits-error-page { proxy_pass http://b; }
  }
}
`);
    expect(locations.filter(alwaysPasses).map((l) => l.name)).toEqual(['/proxy', '/fastcgi', '/guarded']);
    expect(locations).toHaveLength(16);
  });
});

describe('looksLikeWritePath: remembered per word list', () => {
  it('answers each word list for itself, the second time as the first', () => {
    const api = ['api'];
    const php = ['.php'];
    for (let i = 0; i < 2; i++) {
      expect(looksLikeWritePath('/api/x.php', api)).toBe('api');
      expect(looksLikeWritePath('/api/x.php', php)).toBe('.php');
      expect(looksLikeWritePath('/static/', api)).toBeUndefined();
      expect(looksLikeWritePath('\\.phpx$', php)).toBeUndefined();
      expect(looksLikeWritePath('/apis/', api)).toBeUndefined();
    }
  });
});
