import type { Directive } from '../src/model.js';
import { corsSetters, limitedLocations, limitText, preflightBranch, probe, restriction } from '../src/limit-except.js';
import { inherited, named, type Level, type NginxLocation } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';

/** Where the location sets up CORS: Access-Control-* headers it sends, or an OPTIONS `if` branch. */
function corsSetup(location: NginxLocation): Directive | undefined {
  const added = corsSetters(inherited(location, 'add_header')?.directives ?? []);
  // more_set_headers at any level up: looked up by name, the http level holds every server.
  const more: Directive[] = [];
  for (let l: Level | null = location; l; l = l.parent) more.push(...corsSetters(named(l, 'more_set_headers') ?? []));
  const branches = [...location.ifs.keys()].filter((d) => preflightBranch(location, d) || corsSetters(location.ifs.get(d)!.directives).length > 0);
  return [...branches, ...added, ...more][0];
}

export default defineRule({
  id: 'limit-except-blocks-preflight',
  description: 'Report a limit_except that refuses OPTIONS in a location that answers CORS requests.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const limited of limitedLocations(ctx.tree)) {
      const { location, limit } = limited;
      const denied = restriction(limit);
      if (limit.allowed.has('OPTIONS') || !denied?.status) continue;
      const cors = corsSetup(location);
      if (!cors) continue;
      const preflight = probe(ctx.tree, limited, 'OPTIONS', { origin: 'https://example.com', 'access-control-request-method': 'POST' });
      // The simulator knows when something earlier (a server-level if) answers OPTIONS first.
      if (preflight && !preflight.outcome.possibleStatuses.includes(denied.status)) continue;
      const target = preflight?.uri ?? `location ${location.name}`;
      const may = preflight && preflight.outcome.status === null ? 'can get' : 'gets';
      ctx.report(
        limit.node,
        `OPTIONS to ${target} ${may} ${denied.status} from ${limitText(limit)} (line ${limit.node.line}): the CORS preflight (set up at line ${cors.line}) fails, so browsers never send the real request; add OPTIONS to the list`,
      );
    }
  },
});
