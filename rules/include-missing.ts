import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'include-missing',
  description: 'Report an include of a file that does not exist.',
  dialects: ['nginx', 'apache'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const e of ctx.tree.errors) if (e.kind === 'include') ctx.report(e, e.message);
  },
});
