import { NGINX_METHODS } from '../src/limit-except.js';
import { directivesNamed } from '../src/model.js';
import { defineRule } from '../src/rule.js';

const KNOWN = new Set(NGINX_METHODS);

export default defineRule({
  id: 'limit-except-invalid-method',
  description: 'Report a limit_except method that nginx does not accept.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    // Each file of the tree once: an included file is checked where it is written.
    for (const file of ctx.tree.config) {
      for (const d of directivesNamed(file.parsed, 'limit_except')) {
        // Argument nodes only for a bad method: built for every block, they are kept (8 MB for the 640k config).
        d.args.forEach((value, i) => {
          if (KNOWN.has(value.toUpperCase())) return;
          const arg = d.argNodes[i]!;
          const always = /^(TRACE|CONNECT)$/i.test(arg.value) ? `; nginx answers ${arg.value.toUpperCase()} with 405 before any location anyway` : '';
          ctx.report(arg, `invalid method "${arg.value}": nginx -t fails; limit_except accepts only ${NGINX_METHODS.join(', ')}${always}`);
        });
      }
    }
  },
});
