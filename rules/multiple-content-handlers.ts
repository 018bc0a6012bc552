import type { Directive } from '../src/model.js';
import { eachLocation, handlersIn, modelOf } from '../src/nginx-model.js';
import { getOnly, handlerFate, locationText } from '../src/proxy-rules.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'multiple-content-handlers',
  description: 'Report a location with more than one content handler, such as two pass directives.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const seen = new Set<Directive>();
    for (const loc of eachLocation(modelOf(ctx.tree))) {
      // A location, each `if` in it and its limit_except block have a handler of their own.
      for (const level of [loc, ...loc.ifs.values(), ...(loc.limitExcept ? [loc.limitExcept] : [])]) {
        const handlers = handlersIn(level);
        const last = handlers[handlers.length - 1];
        handlers.forEach((d, i) => {
          if (i === 0 || seen.has(d)) return;
          seen.add(d);
          const twin = handlers.slice(0, i).find((h) => h.directive === d.directive);
          const first = handlers[0]!;
          if (twin && d.directive.endsWith('_pass')) {
            ctx.report(d, `"${d.directive}" directive is duplicate: nginx -t fails (first at line ${twin.line} in ${locationText(loc)}); keep one`);
            return;
          }
          ctx.report(
            d,
            `${d.directive} replaces ${first.directive} (line ${first.line}) in ${locationText(loc)}: nginx -t accepts both and the last one wins silently, so ${getOnly(last!) ? 'POST and every method but GET and HEAD' : 'GET, POST and every other method'} ${handlerFate(last!)}; keep one`,
          );
        });
      }
    }
  },
});
