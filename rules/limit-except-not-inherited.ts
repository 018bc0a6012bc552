import { caughtText, limitedLocations, limitText, restriction } from '../src/limit-except.js';
import { own, type NginxLocation } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';

/** Nested locations, depth first, that do not have their own limit_except (below one that has, it takes over). */
function unguarded(locations: readonly NginxLocation[]): NginxLocation[] {
  const out: NginxLocation[] = [];
  for (const l of locations) {
    if (l.limitExcept) continue;
    // A nested location that refuses everyone, or only serves internal redirects, loses nothing.
    const first = l.directives.find((d) => d.directive === 'allow' || d.directive === 'deny');
    const closed = own(l, 'internal') !== undefined || (first?.directive === 'deny' && first.args[0] === 'all');
    if (!closed) out.push(l);
    out.push(...unguarded(l.locations));
  }
  return out;
}

export default defineRule({
  id: 'limit-except-not-inherited',
  description: 'Report nested locations that a limit_except block does not reach.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const { location, limit } of limitedLocations(ctx.tree)) {
      if (!restriction(limit)) continue;
      const open = unguarded(location.locations);
      if (open.length === 0) continue;
      const names = open.map((l) => `${['location', ...l.node.args].join(' ')} (line ${l.node.line})`);
      const list = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
      ctx.report(
        limit.node,
        `${limitText(limit)} is not inherited by nested locations: ${caughtText(limit)} to ${list} get through unrestricted; repeat the limit_except in each`,
      );
    }
  },
});
