import type { Directive } from '../src/model.js';
import { nameOf, placements, specsIn, specsOf } from '../src/nginx-directives.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'directive-context',
  description: 'Report a directive placed where nginx does not allow it.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const reported = new Set<Directive>();
    for (const [d, contexts] of placements(ctx.tree)) {
      // Directives nginx.org does not document (third-party, NGINX Plus-only) are not judged.
      if (reported.has(d) || specsOf(d.directive).length === 0 || specsIn(d.directive, contexts).length > 0) continue;
      reported.add(d);
      ctx.report(nameOf(d), `"${d.directive}" directive is not allowed here`);
    }
  },
});
