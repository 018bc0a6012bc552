import { errorDocumentKind } from '../src/apache-allow.js';
import { apacheNodes } from '../src/apache-rule-support.js';
import { lowerName } from '../src/apache-rule-support.js';
import { errorPage405, errorPages } from '../src/header-rules.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'error-page-405-masks',
  description: 'Report an error_page or ErrorDocument that turns a 405 into a success or a redirect.',
  dialects: ['nginx', 'apache'],
  severity: 'error',
  options: {},
  check(ctx) {
    if (ctx.dialect === 'apache') {
      for (const { node } of apacheNodes(ctx.tree)) {
        if (node.section || lowerName(node) !== 'errordocument' || node.args[0] !== '405' || errorDocumentKind(node) !== 'url') continue;
        ctx.report(
          node,
          `"ErrorDocument 405 ${node.args[1]}" turns the 405 into a 302 redirect to that URL, which clients follow with GET; the refused write looks like a redirect, not an error; answer with a message (ErrorDocument 405 "...") or a local page plus Header always set Allow instead`,
        );
      }
      return;
    }
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
