import { apacheRedirectFindings } from '../src/apache-redirect.js';
import type { Directive } from '../src/model.js';
import { allLocations, isProxied, modelOf } from '../src/nginx-model.js';
import { defineRule } from '../src/rule.js';
import { WRITE_PATH_WORDS, levelsOf, looksLikeWritePath } from '../src/static-writes.js';

/** The status a `return` or `rewrite` redirects with, when it is 301 or 302. */
function redirectCode(d: Directive): number | null {
  const [first = '', second = '', flag] = d.args;
  if (d.directive === 'return') return first === '301' || first === '302' ? Number(first) : /^\d+$/.test(first) ? null : 302;
  if (d.directive !== 'rewrite') return null;
  if (flag === 'permanent') return 301;
  return flag === 'redirect' || /^(https?:\/\/|\$scheme)/.test(second) ? 302 : null;
}

export default defineRule({
  id: 'redirect-drops-method',
  description: 'Report a 301 or 302 redirect in a location that receives writes.',
  dialects: ['nginx', 'apache'],
  severity: 'warning',
  options: { writePathWords: WRITE_PATH_WORDS as string[] },
  check(ctx) {
    if (ctx.dialect === 'apache') {
      for (const f of apacheRedirectFindings(ctx.tree, ctx.options.writePathWords)) ctx.report(f.node, f.message);
      return;
    }
    const seen = new Set<Directive>();
    for (const server of modelOf(ctx.tree).servers) {
      for (const loc of allLocations(server.locations)) {
        const proxied = isProxied(loc);
        const word = proxied ? undefined : looksLikeWritePath(loc.name, ctx.options.writePathWords);
        if (!proxied && !word) continue;
        for (const level of levelsOf(loc)) {
          // A redirect only for some methods is the author's choice.
          if (level.node !== loc.node && level.node?.args.some((a) => a.includes('$request_method'))) continue;
          for (const d of level.directives) {
            const code = redirectCode(d);
            if (code === null || seen.has(d)) continue;
            seen.add(d);
            const where = `"location ${loc.node.args.join(' ')}"`;
            const why = proxied ? `the proxied ${where}` : `${where}, which looks like a write endpoint ("${word}", a guess from the name)`;
            const text = [d.directive, ...d.args].join(' ');
            const fix = `${d.directive === 'rewrite' ? 'return ' : ''}${code === 301 ? 308 : 307}`;
            ctx.report(d, `"${text.length > 60 ? `${text.slice(0, 57)}...` : text}" redirects with ${code} in ${why}: clients resend POST as GET without the body; use ${fix}, which keeps the method`);
          }
        }
      }
    }
  },
});
