import { eachLocation, handlersIn, modelOf } from '../src/nginx-model.js';
import { locationText, PASS_DIRECTIVES } from '../src/proxy-rules.js';
import { probesOf } from '../src/rule-support.js';
import { encodePath } from '../src/routes.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'proxy-pass-slash-redirect',
  description: 'Report a proxied location ending in a slash whose name without the slash gets a 301 for every method.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const loc of eachLocation(modelOf(ctx.tree))) {
      const server = loc.server;
      if (!['', '^~', '='].includes(loc.modifier) || !loc.name.endsWith('/') || loc.name.length < 2) continue;
      const pass = handlersIn(loc).filter((d) => PASS_DIRECTIVES.includes(d.directive)).pop();
      if (!pass) continue;
      const uri = encodePath(loc.name.slice(0, -1));
      // The simulator knows what comes first: a `location = /x`, a `location /x`, a server-level rewrite.
      const outcome = probesOf(ctx.tree).servers.get(server)?.('POST', uri);
      if (outcome?.producer !== 'auto-redirect') continue;
      ctx.report(
        loc.node,
        `POST, PUT, DELETE and every other method to ${uri} get 301 to ${loc.name} because ${locationText(loc)} has ${pass.directive} (line ${pass.line}); ` +
          `browsers resend POST as GET without the body: add "location = ${uri}" with the same ${pass.directive}`,
      );
    }
  },
});
