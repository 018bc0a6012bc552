import { isLimit, tag } from '../src/apache-limit.js';
import { apacheNodes, lowerName } from '../src/apache-rule-support.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'limit-head-get',
  description: 'Report a <Limit> or <LimitExcept> that lists HEAD without GET.',
  dialects: ['apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const node of apacheNodes(ctx.tree).nodes) {
      if (!isLimit(node) || !node.args.includes('HEAD') || node.args.includes('GET')) continue;
      const effect = lowerName(node) === 'limit' ? 'restricts GET as well' : 'leaves GET open as well';
      ctx.report(
        node,
        `${tag(node)} ${effect}: Apache gives HEAD and GET one method number, so a section cannot tell them apart; list GET beside HEAD to say what happens, or test %{REQUEST_METHOD} in an <If> if they must differ`,
      );
    }
  },
});
