import type { Directive } from '../src/model.js';
import { type Context, MANY, nameOf, problems, specsIn } from '../src/nginx-directives.js';
import { defineRule } from '../src/rule.js';

// nginx's checks in ngx_conf_handler, in its order: the block, then the count.
function problem(d: Directive, contexts: ReadonlySet<Context>): string | undefined {
  // Unknown directives, and known ones out of place (directive-context reports those), are not judged.
  const specs = specsIn(d.directive, contexts);
  if (specs.length === 0) return undefined;
  const fitting = specs.filter((s) => s.block === (d.block !== undefined));
  if (fitting.length === 0) {
    return d.block ? `directive "${d.directive}" is not terminated by ";"` : `directive "${d.directive}" has no opening "{"`;
  }
  const n = Math.min(d.args.length, MANY);
  if (fitting.some((s) => s.counts === null || s.counts.has(n))) return undefined;
  return `invalid number of arguments in "${d.directive}" directive`;
}

export default defineRule({
  id: 'directive-arguments',
  description: 'Report a directive with the wrong number of arguments, or with a block missing or out of place.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const [d, message] of problems(ctx.tree, problem)) ctx.report(nameOf(d), message);
  },
});
