// Directive and argument names that are also names on Object.prototype
// (constructor, toString, __proto__) are plain unknown words, not table hits.
import { describe, expect, it } from 'vitest';
import { simulate } from '../src/simulate.js';
import { modelOfText } from './helpers/agree.js';

describe('names that Object.prototype also has', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('nginx: "%s x;" in a location is no *_pass', (name) => {
    const model = modelOfText(`events {}\nhttp { server { listen 80; location / { ${name} x; } } }\n`);
    const outcome = simulate(model, { method: 'PUT', uri: '/', host: 'localhost', port: 80, headers: {}, files: () => 'missing' });
    expect([outcome.status, outcome.producer]).toEqual([405, 'static']);
    // A real *_pass beside it still counts.
    const proxied = modelOfText(`events {}\nhttp { server { listen 80; location / { ${name} x; proxy_pass http://127.0.0.1:8080; } } }\n`);
    expect(simulate(proxied, { method: 'PUT', uri: '/', host: 'localhost', port: 80, headers: {}, files: () => 'missing' }).producer).toBe('upstream');
  });

  // A regex location's named captures and the request's headers are looked up
  // by their own names only: `$constructor` was "function Object() ...".
  it.each(['constructor', 'toString', '__proto__'])('nginx: "$%s" is no named capture, and no header either', (name) => {
    const send = (value: string) => {
      const model = modelOfText(`events {}\nhttp { server { listen 80; location ~ ^/(?<a>x) { return 302 /y${value}; } } }\n`);
      const outcome = simulate(model, { method: 'GET', uri: '/x', host: 'localhost', port: 80, headers: {}, files: () => 'missing' });
      return [outcome.status, outcome.location];
    };
    // An unknown variable: the text stays as written (nginx -t would refuse it).
    expect(send(`$${name}`)).toEqual([302, `http://localhost/y$${name}`]);
    // A header the request does not have is empty.
    expect(send(`$a/$http_${name}`)).toEqual([302, 'http://localhost/yx/']);
  });
});
