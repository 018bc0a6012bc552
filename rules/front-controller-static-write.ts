import { condsHold, frontController, matchesAnyPath, rewriteRules, WRITE_METHODS, type RewriteRuleInfo, type Target } from '../src/apache-front-controller.js';
import { defineRule } from '../src/rule.js';
import { listing } from '../src/static-writes.js';

/** The write methods that stop before `rule` for an existing file or directory, and the directive that stops them. */
function skipped(rule: RewriteRuleInfo, target: Target): { methods: string[]; by: string } {
  // The rule's own file tests (RewriteCond %{REQUEST_FILENAME} !-f) ...
  const own = WRITE_METHODS.filter((m) => condsHold(rule, m, target) === false);
  const lines = rule.conds.map((c) => String(c.line));
  if (own.length > 0) return { methods: own, by: `the RewriteCond${lines.length > 1 ? 's at lines' : ' at line'} ${listing(lines)}` };
  // ... or an earlier catch-all `RewriteRule ^ - [L]` for existing files.
  for (const before of rule.ruleset.slice(0, rule.ruleset.indexOf(rule))) {
    if (before.substitution !== '-' || !(before.flags.has('l') || before.flags.has('end')) || !matchesAnyPath(before)) continue;
    const stopped = WRITE_METHODS.filter((m) => condsHold(before, m, target) === true);
    if (stopped.length > 0) return { methods: stopped, by: `the RewriteRule at line ${before.node.line}` };
  }
  return { methods: [], by: '' };
}

export default defineRule({
  id: 'front-controller-static-write',
  description: 'Report a front controller that leaves writes to existing files and directories to the static handler.',
  dialects: ['apache'],
  severity: 'warning',
  options: {},
  check(ctx) {
    for (const rule of rewriteRules(ctx.tree)) {
      if (!frontController(rule)) continue;
      const file = skipped(rule, 'file');
      const dir = skipped(rule, 'dir');
      if (file.methods.length === 0 && dir.methods.length === 0) continue;
      const what = file.methods.length > 0 && dir.methods.length > 0 ? 'existing files and directories' : file.methods.length > 0 ? 'existing files' : 'existing directories';
      const methods = [...new Set([...file.methods, ...dir.methods])];
      const by = file.by || dir.by;
      const answers = [
        ...(file.methods.length > 0 ? ['POST to a file with the file itself (200, the body ignored)'] : []),
        'PUT, DELETE and PATCH with 405',
        ...(dir.methods.length > 0 ? ['POST to a directory without its slash with a 301 that loses the body'] : []),
      ];
      ctx.report(
        rule.node,
        `writes (${listing(methods)}) to ${what} never reach "${rule.substitution}": ${by} ${by.includes(' lines ') ? 'hand' : 'hands'} them to Apache, which answers ${listing(answers)}; if the application takes writes there, let only GET and HEAD skip the front controller (a RewriteCond on %{REQUEST_METHOD})`,
      );
    }
  },
});
