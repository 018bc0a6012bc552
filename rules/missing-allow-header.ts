import { missingAllow, traceOff } from '../src/apache-allow.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'missing-allow-header',
  description: 'Report a 405 that Apache sends with a wrong Allow header or none.',
  dialects: ['apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    const early = traceOff(ctx.tree) ? 'an empty "Allow:" (TraceEnable is off)' : '"Allow: TRACE" alone';
    for (const { node, kind } of missingAllow(ctx.tree)) {
      // AllowMethods GET also allows HEAD; "+POST"/"-POST" (httpd 2.5) name no list.
      const plain = kind === 'allowmethods' && node.args.every((a) => /^[A-Z-]+$/.test(a));
      const names = plain ? [...new Set(node.args.flatMap((a) => (a === 'GET' ? ['GET', 'HEAD'] : [a])))] : [];
      const listed = kind !== 'allowmethods' ? 'GET, HEAD, POST, OPTIONS' : plain ? names.join(', ') : '<the methods>';
      const fix = `add Header always set Allow "${listed}" beside it`;
      const message =
        kind === 'rewrite'
          ? `this RewriteRule answers 405 before any handler has listed the methods, so the response carries ${early}; ${fix}, or refuse with [F] (403) instead`
          : kind === 'allowmethods'
            ? `AllowMethods refuses the other methods with a 405 that carries ${early}, not the methods it allows; ${fix}`
            : `a local "ErrorDocument 405 ${node.args[1]}" replaces the 405 response without its Allow header, which RFC 9110 requires; ${fix}, or drop the ErrorDocument`;
      ctx.report(node, message);
    }
  },
});
