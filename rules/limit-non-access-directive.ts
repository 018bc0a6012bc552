import { isLimit, nonAccessInside, tag } from '../src/apache-limit.js';
import { apacheNodes } from '../src/apache-rule-support.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'limit-non-access-directive',
  description: 'Report a directive inside <Limit> or <LimitExcept> that applies to every method anyway.',
  dialects: ['apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const { node, parents } of apacheNodes(ctx.tree).where(isLimit)) {
      // The outermost <Limit*> reports for its nested ones.
      if (parents.some(isLimit)) continue;
      for (const d of nonAccessInside(node)) {
        ctx.report(
          d,
          `${d.directive} inside ${tag(node)} applies to every method: only Require, <Require*>, Order, Allow, Deny and Satisfy follow the section's methods; move it out, or test %{REQUEST_METHOD} (an <If> or a RewriteCond) if it must depend on the method`,
        );
      }
    }
  },
});
