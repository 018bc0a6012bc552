import { addHeaders, headerName, levels } from '../src/header-rules.js';
import { lineOf } from '../src/rule-support.js';
import { inherited, modelOf, nearest } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'add-header-drops-inherited',
  description: 'Report an add_header that makes a block lose the add_header directives it would inherit.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    const seen = new Set<object>();
    for (const level of levels(modelOf(ctx.tree))) {
      const mine = level.directives.filter((d) => d.directive === 'add_header');
      if (mine.length === 0 || !level.parent || seen.has(mine[0]!)) continue;
      // nginx 1.29.3+ `add_header_inherit on|merge` keeps the outer headers.
      if (['on', 'merge'].includes(nearest(level, 'add_header_inherit')?.args[0] ?? 'off')) continue;
      const names = new Set(mine.map(headerName));
      const outer = inherited(level.parent, 'add_header');
      const lost = addHeaders(level.parent).filter((d) => !names.has(headerName(d)));
      if (!outer || lost.length === 0) continue;
      seen.add(mine[0]!);
      const list = lost.map((d) => `${d.args[0]} (${lineOf(d, mine[0])})`).join(', ');
      const where = level.kind === 'if' ? 'this if block' : `this ${level.kind}`;
      ctx.report(
        mine[0]!,
        `an add_header in ${where} drops every add_header inherited from the ${outer.level.kind} level: ${list} ${lost.length > 1 ? 'are' : 'is'} not sent here; repeat ${lost.length > 1 ? 'them' : 'it'} in this block`,
      );
    }
  },
});
