import { caughtText, limitedLocations, limitText, restriction, unreadInclude } from '../src/limit-except.js';
import { defineRule } from '../src/rule.js';

const PASS = /^(proxy|fastcgi|uwsgi|scgi|grpc|memcached)_pass$/;

export default defineRule({
  id: 'limit-except-no-effect',
  description: 'Report a limit_except block that restricts nothing.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const { limit } of limitedLocations(ctx.tree)) {
      if (restriction(limit) || unreadInclude(ctx.tree, limit)) continue;
      // A *_pass in the block routes the limited methods elsewhere: that is its effect.
      if (limit.directives.some((d) => PASS.test(d.directive))) continue;
      const basic = limit.directives.find((d) => d.directive === 'auth_basic' && d.args[0] !== 'off');
      const why = basic
        ? `auth_basic without an auth_basic_user_file (line ${basic.line}) lets every request in`
        : limit.directives.length === 0
          ? 'the block is empty'
          : 'the block has no deny, auth_basic, auth_request or auth_jwt, and a client that matches no rule is allowed';
      ctx.report(
        limit.node,
        `${limitText(limit)} restricts nothing: ${why}, so ${caughtText(limit)} get in like ${[...limit.node.args].join(', ')}; add "deny all;" to the block`,
      );
    }
  },
});
