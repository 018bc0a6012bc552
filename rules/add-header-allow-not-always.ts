import { directives } from '../src/model.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'add-header-allow-not-always',
  description: 'Report an add_header Allow without always, which nginx never sends with a 405.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const file of ctx.tree.config) {
      for (const d of directives(file.parsed)) {
        if (d.directive !== 'add_header' || (d.args[0] ?? '').toLowerCase() !== 'allow' || d.args[2] === 'always') continue;
        ctx.report(d, `"add_header Allow ${d.argNodes[1]?.raw ?? ''}" is sent only with 2xx and 3xx answers, never with a 405; add "always"`);
      }
    }
  },
});
