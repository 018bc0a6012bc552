import { eachLocation, handlersIn, modelOf } from '../src/nginx-model.js';
import { handlerFate, locationText } from '../src/proxy-rules.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'dav-methods-ignored',
  description: 'Report dav_methods in a location whose content comes from a pass directive or another handler.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const loc of eachLocation(modelOf(ctx.tree))) {
      const handler = handlersIn(loc).pop();
      if (!handler) continue;
      for (const dav of loc.directives.filter((d) => d.directive === 'dav_methods' && d.args[0] !== 'off')) {
        const methods = dav.args.map((m) => m.toUpperCase()).join(', ');
        ctx.report(
          dav,
          `"dav_methods ${dav.args.join(' ')}" is ignored: ${locationText(loc)} has ${handler.directive} (line ${handler.line}), so ${methods} ${handlerFate(handler, dav.args.length === 1)} instead of the dav module; move dav_methods to a location without ${handler.directive}`,
        );
      }
    }
  },
});
