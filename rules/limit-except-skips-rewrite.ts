import { caughtText, deniesAll, NGINX_METHODS, limitedLocations, limitedMatches, limitText, preflightBranch, restriction } from '../src/limit-except.js';
import type { Directive } from '../src/model.js';
import { defineRule } from '../src/rule.js';

const REWRITE = new Set(['return', 'rewrite', 'if', 'set']);

function quoted(d: Directive): string {
  const text = d.directive === 'if' ? `if (${d.args.join(' ')})` : [d.directive, ...d.args].join(' ');
  return `"${text.length > 50 ? `${text.slice(0, 47)}...` : text}"`;
}

export default defineRule({
  id: 'limit-except-skips-rewrite',
  description: 'Report return, rewrite, if and set in a location whose limit_except skips them for the limited methods.',
  dialects: ['nginx'],
  severity: 'warning',
  options: {},
  check(ctx) {
    const seen = new Set<Directive>();
    for (const { location, limit } of limitedLocations(ctx.tree)) {
      const denied = restriction(limit);
      const instead = !denied
        ? 'they go straight to the content handler'
        : denied.status === null
          ? `the auth_request at line ${denied.by.line} decides, and those it lets in reach the content handler without it`
          : deniesAll(limit)
            ? `they get 403 from "deny all" (line ${denied.by.line}) instead`
            : `they get ${denied.status} from ${denied.by.directive} (line ${denied.by.line}), and those it lets in reach the content handler without it`;
      for (const d of location.directives) {
        if (!REWRITE.has(d.directive) || seen.has(d)) continue;
        // Under `deny all` every limited method gets 403 anyway; a skipped variable or in-place rewrite changes nothing.
        if (deniesAll(limit) && (d.directive === 'set' || (d.directive === 'rewrite' && d.args[2] === 'break'))) continue;
        let who = caughtText(limit);
        if (d.directive === 'if') {
          // An empty if changes nothing when it is skipped.
          if ((location.ifs.get(d)?.directives.length ?? 0) === 0) continue;
          const matches = limitedMatches(d, limit);
          // A method test no limited method passes is false for them anyway.
          if (matches && matches.length === 0) continue;
          // A CORS preflight branch is limit-except-blocks-preflight's finding.
          if (denied && !limit.allowed.has('OPTIONS') && preflightBranch(location, d)) continue;
          if (matches && matches.length < NGINX_METHODS.filter((m) => !limit.allowed.has(m)).length) who = matches.join(', ');
        }
        seen.add(d);
        ctx.report(d, `${quoted(d)} is not run for ${who}: ${limitText(limit)} (line ${limit.node.line}) skips the location's rewrite directives for them: ${instead}`);
      }
    }
  },
});
