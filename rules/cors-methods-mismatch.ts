import { corsHeaders, headerName, PREFLIGHT, refusal, every405Static } from '../src/header-rules.js';
import { modelOf } from '../src/nginx-model.js';
import { probesOf, serverLocations } from '../src/rule-support.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'cors-methods-mismatch',
  description: 'Report an Access-Control-Allow-Methods header that lists methods the location refuses.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    const seen = new Set<object>();
    const probes = probesOf(ctx.tree);
    for (const loc of serverLocations(modelOf(ctx.tree))) {
      const lists = corsHeaders(loc).filter((d) => headerName(d) === 'access-control-allow-methods' && !seen.has(d));
      const probe = lists.length > 0 ? probes.locations.get(loc) : undefined;
      if (!probe) continue;
      const { uri, send } = probe;
      if (every405Static(send('OPTIONS', uri, PREFLIGHT))) continue;
      for (const d of lists) {
        const methods = [...new Set((d.args[1] ?? '').toUpperCase().split(/[\s,]+/))].filter((m) => /^[A-Z]+$/.test(m) && m !== 'OPTIONS');
        const refused = methods.flatMap((m) => {
          const why = refusal(send(m, uri, { origin: PREFLIGHT.origin }), loc);
          return why ? [`${m} gets ${why}`] : [];
        });
        if (refused.length === 0) continue;
        seen.add(d);
        ctx.report(
          d,
          `Access-Control-Allow-Methods ${d.argNodes[1]?.raw ?? ''} promises methods that ${uri} (location on line ${loc.node.line}) refuses: ${refused.join(', ')}; list only what the location serves`,
        );
      }
    }
  },
});
