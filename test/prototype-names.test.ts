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
});
