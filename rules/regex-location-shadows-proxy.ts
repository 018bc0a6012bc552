import { allLocations, isProxied, modelOf, type NginxLocation } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';
import { lineOf, probesOf } from '../src/rule-support.js';
import { alwaysPasses, chosen, refusedText, refusedWithPut, regexUnderPrefix } from '../src/static-writes.js';

const within = (loc: NginxLocation, outer: NginxLocation): boolean => {
  for (let l = loc.parent; l; l = l.parent) if (l === outer) return true;
  return false;
};

export default defineRule({
  id: 'regex-location-shadows-proxy',
  description: 'Report a regex location answered statically that takes requests from a proxied prefix location.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    const seen = new Set<object>();
    const { servers } = probesOf(ctx.tree);
    for (const server of modelOf(ctx.tree).servers) {
      const send = servers.get(server);
      if (!send) continue;
      const locations = [...allLocations(server.locations)];
      // A regex location that always passes is never answered statically: asking refa which URIs it takes costs milliseconds a pair.
      const regexes = locations.filter((l) => (l.modifier === '~' || l.modifier === '~*') && !alwaysPasses(l));
      // Regex locations for static files exist to take URIs from a proxied `location /`.
      for (const prefix of locations.filter((l) => l.modifier === '' && l.name !== '/' && isProxied(l))) {
        for (const regex of regexes) {
          if (seen.has(regex.node) || within(regex, prefix)) continue;
          for (const uri of regexUnderPrefix(regex.name, regex.modifier === '~*', prefix.name) ?? []) {
            const put = send('PUT', uri);
            const route = chosen(put, server);
            const best = route.steps.filter((s) => s.note.startsWith('longest matching prefix')).pop();
            if (route.location !== regex || best?.loc !== prefix) continue;
            const refused = refusedWithPut(send, uri, put);
            if (!refused) continue;
            seen.add(regex.node);
            ctx.report(
              regex.node,
              `"location ${regex.node.args.join(' ')}" takes URIs from the proxied "location ${prefix.name}" (${lineOf(prefix.node, regex.node)}): ${refusedText(refused, uri)}, never reaching the backend; use "location ^~ ${prefix.name}" or narrow the regex`,
            );
            break;
          }
        }
      }
    }
  },
});
