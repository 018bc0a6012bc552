import { corsHeaders, headerName, PREFLIGHT, every405Static } from '../src/header-rules.js';
import { modelOf } from '../src/nginx-model.js';
import { probesOf, serverLocations } from '../src/rule-support.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'cors-preflight-static',
  description: 'Report CORS headers on a location whose OPTIONS preflight the static module refuses with 405.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const seen = new Set<object>();
    const probes = probesOf(ctx.tree);
    for (const loc of serverLocations(modelOf(ctx.tree))) {
      const cors = corsHeaders(loc);
      // Allow-Methods and Allow-Headers matter only in a preflight answer: they say one is expected.
      const preflight = cors.find((d) => ['access-control-allow-methods', 'access-control-allow-headers'].includes(headerName(d)));
      const probe = preflight && !seen.has(loc.node) ? probes.locations.get(loc) : undefined;
      if (!probe) continue;
      const { uri, send } = probe;
      if (!every405Static(send('OPTIONS', uri, PREFLIGHT))) continue;
      seen.add(loc.node);
      const names = [...new Set(cors.map((d) => `${d.args[0]} (line ${d.line})`))].join(', ');
      ctx.report(
        loc.node,
        `the CORS preflight "OPTIONS ${uri}" gets 405 from the static module, without ${names}: the browser never sends the request; answer OPTIONS with "return 204" or pass it to the backend`,
      );
    }
  },
});
