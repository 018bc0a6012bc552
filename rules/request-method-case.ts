import { lowerLiterals } from '../src/header-rules.js';
import { directives } from '../src/model.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'request-method-case',
  description: 'Report a $request_method comparison with a lower-case method, which never matches.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const file of ctx.tree.config) {
      for (const d of directives(file.parsed)) {
        const [variable, op, value = ''] = d.args;
        if (d.directive !== 'if' || variable !== '$request_method') continue;
        const negated = op?.startsWith('!') ? 'always' : 'never';
        if ((op === '=' || op === '!=') && /[a-z]/.test(value) && !value.includes('$')) {
          const method = value.toUpperCase();
          ctx.report(d, `$request_method is always upper case ("${method}"), so "${op} ${value}" ${negated} matches; write "${op} ${method}"`);
        } else if ((op === '~' || op === '!~') && lowerLiterals(value).length > 0) {
          const words = lowerLiterals(value).map((w) => `"${w}"`).join(', ');
          const effect = op === '~' ? 'those branches never match' : 'those methods still enter the block';
          ctx.report(d, `$request_method is always upper case, so ${words} in the case-sensitive regex "${value}" matches no method and ${effect}; write it in upper case or use "${op}*"`);
        }
      }
    }
  },
});
