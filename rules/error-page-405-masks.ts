import { errorPage405, errorPages } from '../src/header-rules.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'error-page-405-masks',
  description: 'Report an error_page that turns a 405 into a success or a redirect.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const page of errorPages(ctx.tree)) {
      const what = errorPage405(ctx.tree, page);
      if (what?.kind !== 'masks') continue;
      ctx.report(
        page,
        `"error_page ${page.args.join(' ')}" hides the 405: a refused POST, PUT or DELETE is rerun as GET and ${what.why}; the write is dropped while the client sees no error`,
      );
    }
  },
});
