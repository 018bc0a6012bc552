import { specsIn } from '../src/nginx-directives.js';
import { eachLocation, modelOf, type NginxLocation } from '../src/nginx-model.js';
import { locationText, statusText } from '../src/proxy-rules.js';
import { probesOf } from '../src/rule-support.js';
import { defineRule } from '../src/rule.js';

const MODULES = ['proxy', 'fastcgi', 'uwsgi', 'scgi', 'grpc'];
const LOCATION = new Set(['http location']);

/** Whether the location, an `if` or `limit_except` in it, or a nested location has `<module>_pass`. */
function hasPass(loc: NginxLocation, pass: string): boolean {
  const levels = [loc, ...loc.ifs.values(), ...(loc.limitExcept ? [loc.limitExcept] : [])];
  return levels.some((l) => l.directives.some((d) => d.directive === pass)) || loc.locations.some((l) => hasPass(l, pass));
}

export default defineRule({
  id: 'proxy-settings-without-pass',
  description: 'Report proxy, fastcgi, uwsgi, scgi or grpc settings in a location that has no matching pass directive.',
  dialects: ['nginx'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const loc of eachLocation(modelOf(ctx.tree))) {
      for (const module of MODULES) {
        const pass = `${module}_pass`;
        // Known directives only: a misspelt `proxy_passs` is another rule's business.
        const settings = loc.directives.filter((d) => d.directive.startsWith(`${module}_`) && d.directive !== pass && specsIn(d.directive, LOCATION).length > 0);
        if (settings.length === 0 || hasPass(loc, pass)) continue;
        const unique = [...new Set(settings.map((d) => d.directive))];
        const names = unique.join(', ');
        const head = `${names} (line ${settings[0]!.line}) in ${locationText(loc)} ${unique.length > 1 ? 'do' : 'does'} nothing: neither it nor a nested location has ${pass}`;
        const probe = probesOf(ctx.tree).locations.get(loc);
        const uri = probe?.uri ?? null;
        const post = probe ? probe.send('POST', probe.uri) : null;
        const put = probe ? probe.send('PUT', probe.uri) : null;
        let tail = '';
        const elsewhere = post?.branches.find((b) => b.upstream);
        const at = elsewhere?.trace[elsewhere.trace.length - 1];
        if (elsewhere?.upstream?.module === module) {
          tail = `; requests that go on to the ${pass} at line ${at!.line} do not carry them (that location does not inherit from this one): move them there`;
        } else if (elsewhere) {
          tail = `, so POST ${uri} goes to the ${elsewhere.upstream!.module}_pass at line ${at!.line} without them`;
        } else if (post && put) {
          const disk = [post, put].every((o) => o.branches.every((b) => ['static', 'index', 'autoindex', 'try-files'].includes(b.producer)));
          tail = `, so nginx ${disk ? 'serves' : 'answers'} ${uri} ${disk ? 'from disk' : 'itself'}: POST gets ${statusText(post)}, PUT gets ${statusText(put)}`;
        }
        ctx.report(loc.node, head + tail);
      }
    }
  },
});
