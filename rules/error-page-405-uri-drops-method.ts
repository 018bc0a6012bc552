import { errorPage405, errorPages } from '../src/header-rules.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'error-page-405-uri-drops-method',
  description: 'Report an error_page 405 that hands a refused request to a proxied URI as GET.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const page of errorPages(ctx.tree)) {
      const what = errorPage405(ctx.tree, page);
      if (what?.kind !== 'drops-method') continue;
      ctx.report(
        page,
        `"error_page ${page.args.join(' ')}": ${what.why}, but POST, PUT and DELETE reach the backend as GET (the body still follows); name a location ("= @backend") to keep the method`,
      );
    }
  },
});
