import { preflightBlocks } from '../src/apache-cors.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'cors-preflight-blocked',
  description: 'Report a method restriction that refuses the OPTIONS preflight where CORS headers are set.',
  dialects: ['apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const b of preflightBlocks(ctx.tree)) {
      const what =
        b.kind === 'rewrite'
          ? 'this RewriteRule'
          : b.kind === 'limit'
            ? `<${b.node.directive} ${b.node.args.join(' ')}>`
            : `"${b.node.directive} ${b.node.args.join(' ')}"`;
      const fix =
        b.kind === 'rewrite'
          ? 'exempt it with "RewriteCond %{REQUEST_METHOD} !=OPTIONS"'
          : b.kind === 'require' && b.node.args[0] === 'not'
            ? 'take OPTIONS out of it'
            : 'add OPTIONS to its list';
      const header = `${b.cors.directive} ${b.cors.args.slice(0, 3).join(' ')}`;
      const at = b.cors.file === b.node.file ? `line ${b.cors.line}` : `${b.cors.file}:${b.cors.line}`;
      ctx.report(
        b.node,
        `${what} refuses OPTIONS (${b.status}), so CORS preflights fail although "${header}" (${at}) applies here, and browsers never send the real request; ${fix}`,
        { related: [{ at: b.cors, message: 'the CORS header' }] },
      );
    }
  },
});
