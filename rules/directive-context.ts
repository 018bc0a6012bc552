import { nameOf, problems, specsIn, specsOf } from '../src/nginx-directives.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'directive-context',
  description: 'Report a directive placed where nginx does not allow it.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const misplaced = problems(ctx.tree, (d, contexts) =>
      // Directives nginx.org does not document (third-party, NGINX Plus-only) are not judged.
      specsOf(d.directive).length === 0 || specsIn(d.directive, contexts).length > 0
        ? undefined
        : `"${d.directive}" directive is not allowed here`,
    );
    for (const [d, message] of misplaced) ctx.report(nameOf(d), message);
  },
});
