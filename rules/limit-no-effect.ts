import { deadLimits, methodsText } from '../src/apache-authz.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'limit-no-effect',
  description: 'Report a Limit or LimitExcept section whose denial another grant in the same section undoes.',
  dialects: ['apache'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const dead of deadLimits(ctx.tree)) {
      const tag = `<${dead.limit.directive} ${dead.limit.args.join(' ')}>`;
      const denial = `${dead.denial.directive} ${dead.denial.args.join(' ')}`;
      const by = `${dead.by.directive} ${dead.by.args.join(' ')}`;
      const at = dead.by.file === dead.limit.file ? `line ${dead.by.line}` : `${dead.by.file}:${dead.by.line}`;
      const message =
        dead.kind === 'authz'
          ? `${tag} refuses nothing: its "${denial}" is OR-ed with "${by}" (${at}) in the same section, so ${methodsText(dead.methods)} still get in instead of a 403; wrap both in <RequireAll>, or grant only the other methods with a <Limit>`
          : `${tag} refuses nothing: under Order deny,allow (Apache's default) "${by}" (${at}) overrides its "${denial}", so ${methodsText(dead.methods)} still get in instead of a 403; add "Order allow,deny" or drop "${by}"`;
      ctx.report(dead.limit, message, { related: [{ at: dead.by, message: 'the grant that undoes it' }] });
    }
  },
});
