import type { Directive } from '../src/model.js';
import type { Level } from '../src/nginx-model.js';
import { eachLocation, modelOf } from '../src/nginx-model.js';
import { locationText, URI_PART_NOT_ALLOWED, uriPart } from '../src/proxy-rules.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'proxy-pass-uri-not-allowed',
  description: 'Report a proxy_pass with a URI part where nginx does not allow one.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const seen = new Set<Directive>();
    for (const loc of eachLocation(modelOf(ctx.tree))) {
      const where: Array<[Level, string]> = [...loc.ifs.keys()].map((d) => [loc.ifs.get(d)!, `the "if" block at line ${d.line}`]);
      if (loc.limitExcept) where.push([loc.limitExcept, `the limit_except block at line ${loc.limitExcept.node.line}`]);
      if (['~', '~*', '@'].includes(loc.modifier)) where.push([loc, locationText(loc)]);
      for (const [level, text] of where) {
        for (const pass of level.directives.filter((d) => d.directive === 'proxy_pass')) {
          const part = uriPart(pass.args[0] ?? '');
          if (!part || seen.has(pass)) continue;
          seen.add(pass);
          ctx.report(pass, `${URI_PART_NOT_ALLOWED}: nginx -t fails on "${part}" of "${pass.args[0]}" in ${text}; drop the URI part (use rewrite ... break to change the path)`);
        }
      }
    }
  },
});
