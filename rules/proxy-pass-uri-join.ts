import { apacheJoinFindings } from '../src/apache-proxy-join.js';
import { eachLocation, modelOf } from '../src/nginx-model.js';
import { locationText, uriPart } from '../src/proxy-rules.js';
import { probesOf } from '../src/rule-support.js';
import { encodePath } from '../src/routes.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'proxy-pass-uri-join',
  description: 'Report a proxy_pass URI part and a location prefix that disagree on the trailing slash.',
  dialects: ['nginx', 'apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    if (ctx.dialect === 'apache') {
      for (const f of apacheJoinFindings(ctx.tree)) ctx.report(f.node, f.message);
      return;
    }
    for (const loc of eachLocation(modelOf(ctx.tree))) {
      const server = loc.server;
      if (loc.modifier !== '' && loc.modifier !== '^~') continue;
      for (const pass of loc.directives.filter((d) => d.directive === 'proxy_pass')) {
        const part = uriPart(pass.args[0] ?? '');
        if (!part || loc.name.endsWith('/') === part.endsWith('/')) continue;
        // A sample request whose rest after the prefix starts right after the slash, or with one.
        const sample = encodePath(loc.name.endsWith('/') ? `${loc.name}users` : `${loc.name}/users`);
        const rest = sample.slice(loc.name.length);
        const outcome = probesOf(ctx.tree).servers.get(server)?.('GET', sample);
        const last = outcome?.trace[outcome.trace.length - 1];
        const reached = outcome?.upstream && last?.file === pass.file && last.line === pass.line;
        const path = reached ? outcome.upstream!.path : `${part}${rest}`;
        // A `rewrite` changes what is joined (or loops): then only the simulator's word counts.
        if (path !== `${part}${rest}` || (!reached && loc.directives.some((d) => d.directive === 'rewrite'))) continue;
        const story = reached ? `GET ${sample} reaches the backend as ${path}` : `a request for ${sample} that gets here reaches the backend as ${path}`;
        const fix = loc.name.endsWith('/') ? `end "${part}" with a slash` : `write the location as "${loc.name}/" or drop the slash from "${part}"`;
        ctx.report(
          pass,
          `${locationText(loc)} and "${pass.args[0]}" disagree on the trailing slash: ${story} (any method alike); ${fix}`,
        );
      }
    }
  },
});
