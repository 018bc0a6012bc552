import { containerOf, isLimit, restricts, siblings, tag } from '../src/apache-limit.js';
import { apacheNodes, lowerName, METHOD_SCOPED } from '../src/apache-rule-support.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'limit-leaves-methods-open',
  description: 'Report a <Limit> that restricts the methods it lists and leaves every other method open.',
  dialects: ['apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const n of apacheNodes(ctx.tree).where((d) => isLimit(d) && lowerName(d) === 'limit' && restricts(d.block ?? []))) {
      const { node } = n;
      // Inside a <LimitExcept> the other methods are that section's business.
      if (n.parents.some((p) => lowerName(p) === 'limitexcept')) continue;
      const around = siblings(containerOf(n)).filter((d) => d !== node);
      // A <LimitExcept> beside it covers the rest (Debian's userdir.conf). Access control
      // outside any <Limit> in the same section is OR-ed with it: it either restricts
      // every method or makes the <Limit> dead, which is not this rule's finding.
      if (around.some((d) => lowerName(d) === 'limitexcept' || METHOD_SCOPED.has(lowerName(d)))) continue;
      const listed = node.args.includes('GET') && !node.args.includes('HEAD') ? [...node.args, 'HEAD'] : node.args;
      const open = ['PUT', 'DELETE', 'PATCH', 'POST', 'OPTIONS', 'PROPFIND'].filter((m) => !listed.includes(m)).slice(0, 3);
      ctx.report(
        node,
        `${tag(node)} restricts only ${listed.join(', ')}: every other method (${[...open, '...'].join(', ')}) reaches the resource unrestricted; drop the <Limit> lines to restrict every method, or use <LimitExcept> to name the methods that stay open`,
      );
    }
  },
});
