import { addHeaders, headerName, isAlways, levels } from '../src/header-rules.js';
import { modelOf } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'return-405-without-allow',
  description: 'Report a return 405 that is sent without an Allow header.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    const seen = new Set<object>();
    for (const level of levels(modelOf(ctx.tree))) {
      for (const d of level.directives) {
        if (d.directive !== 'return' || d.args[0] !== '405' || seen.has(d)) continue;
        seen.add(d);
        const allow = addHeaders(level).filter((h) => headerName(h) === 'allow');
        if (allow.some(isAlways)) continue;
        const note = allow.length > 0 ? `: "add_header Allow" on line ${allow[0]!.line} lacks "always", so it is not sent with a 405` : '';
        ctx.report(d, `every method that reaches "return 405" gets 405 without an Allow header${note}; add "add_header Allow \\"GET, HEAD\\" always;" next to it`);
      }
    }
  },
});
