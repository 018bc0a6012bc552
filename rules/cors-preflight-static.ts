import { corsHeaders, headerName, PREFLIGHT, every405Static } from '../src/header-rules.js';
import { probesOf } from '../src/rule-support.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'cors-preflight-static',
  description: 'Report CORS headers on a location whose OPTIONS preflight the static module refuses with 405.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const seen = new Set<object>();
    for (const [loc, { uri, send }] of probesOf(ctx.tree).locations) {
      const cors = corsHeaders(loc);
      // Allow-Methods and Allow-Headers matter only in a preflight answer: they say one is expected.
      const preflight = cors.find((d) => ['access-control-allow-methods', 'access-control-allow-headers'].includes(headerName(d)));
      if (!preflight || seen.has(loc.node) || !every405Static(send('OPTIONS', uri, PREFLIGHT))) continue;
      seen.add(loc.node);
      const names = [...new Set(cors.map((d) => `${d.args[0]} (line ${d.line})`))].join(', ');
      ctx.report(
        loc.node,
        `the CORS preflight "OPTIONS ${uri}" gets 405 from the static module, without ${names}: the browser never sends the request; answer OPTIONS with "return 204" or pass it to the backend`,
      );
    }
  },
});
