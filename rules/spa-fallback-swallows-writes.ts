import type { Directive } from '../src/model.js';
import { allLocations, isProxied, modelOf, own } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';
import { lineOf, probesOf } from '../src/rule-support.js';
import { chosen, listing, refusedText, refusedWithPut } from '../src/static-writes.js';

export default defineRule({
  id: 'spa-fallback-swallows-writes',
  description: 'Report a try_files fallback page that answers writes to API URIs no proxied location covers.',
  dialects: ['nginx'],
  severity: 'warning',
  options: { apiPrefixes: ['/api/', '/graphql/', '/rpc/', '/auth/'] },
  check(ctx) {
    const seen = new Set<Directive>();
    const { servers } = probesOf(ctx.tree);
    for (const server of modelOf(ctx.tree).servers) {
      const send = servers.get(server);
      if (!send) continue;
      const proxied = [...allLocations(server.locations)].filter((l) => (l.modifier === '' || l.modifier === '^~' || l.modifier === '=') && isProxied(l));
      for (const api of ctx.options.apiPrefixes.map((p) => p.replace(/\/*$/, '/'))) {
        // Only where the server does proxy part of this prefix: a page-only site has no API to miss.
        const under = proxied.filter((l) => l.name.startsWith(api));
        if (under.length === 0) continue;
        const uri = [`${api}x`, `${api}other/x`].find((u) => !proxied.some((l) => l.modifier !== '=' && u.startsWith(l.name)));
        if (!uri) continue;
        const put = send('PUT', uri);
        const route = chosen(put, server);
        const tryFiles = route.location && own(route.location, 'try_files');
        const fallback = tryFiles?.args[tryFiles.args.length - 1] ?? '';
        if (!route.location || !tryFiles || !fallback.startsWith('/') || seen.has(route.location.node)) continue;
        const refused = refusedWithPut(send, uri, put);
        if (!refused) continue;
        seen.add(route.location.node);
        const covered = under.map((l) => `${l.name} (${lineOf(l.node, route.location!.node)})`);
        ctx.report(
          route.location.node,
          `writes to ${uri} fall through to "try_files ... ${fallback}" (${lineOf(tryFiles, route.location.node)}): ${refusedText(refused)}; under ${api}, which looks like an API prefix (a guess from the name), only ${listing(covered)} ${under.length > 1 ? 'are' : 'is'} proxied`,
        );
      }
    }
  },
});
