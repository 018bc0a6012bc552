import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'syntax-error',
  description: 'Report configuration text that the server cannot read.',
  dialects: ['nginx', 'apache'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const e of ctx.tree.errors) if (e.kind === 'syntax') ctx.report(e, e.message);
  },
});
