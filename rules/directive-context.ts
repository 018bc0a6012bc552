import { OVERRIDE_CLASSES, type OverrideClass } from '../src/apache-directives.js';
import { apacheContextProblems } from '../src/apache-context.js';
import { isHtaccessName } from '../src/apache-parse.js';
import { nameOf, problems, specsIn, specsOf } from '../src/nginx-directives.js';
import { defineRule } from '../src/rule.js';

/** AllowOverride words as Apache takes them (case-insensitively), `All` and `None` included. */
function overrideClasses(words: readonly string[]): OverrideClass[] {
  const lower = words.map((w) => w.toLowerCase());
  if (lower.includes('all')) return [...OVERRIDE_CLASSES];
  return OVERRIDE_CLASSES.filter((c) => lower.includes(c.toLowerCase()));
}

export default defineRule<{ allowOverride: string[] | null }>({
  id: 'directive-context',
  description: 'Report a directive placed where the server does not allow it.',
  dialects: ['nginx', 'apache'],
  severity: 'error',
  options: { allowOverride: null },
  check(ctx) {
    if (ctx.dialect === 'apache') {
      const allowOverride = ctx.options.allowOverride;
      // AllowOverride None: Apache never opens the .htaccess files, so nothing in them matters.
      const htaccess = isHtaccessName(ctx.tree.config[0]?.file ?? '');
      if (htaccess && allowOverride?.length === 1 && allowOverride[0]!.toLowerCase() === 'none') return;
      const known = allowOverride === null ? {} : { allowOverride: overrideClasses(allowOverride) };
      for (const p of apacheContextProblems(ctx.tree, known)) ctx.report(p.node, p.message);
      return;
    }
    const misplaced = problems(ctx.tree, (d, contexts) =>
      // Directives nginx.org does not document (third-party, NGINX Plus-only) are not judged.
      specsOf(d.directive).length === 0 || specsIn(d.directive, contexts).length > 0
        ? undefined
        : `"${d.directive}" directive is not allowed here`,
    );
    for (const [d, message] of misplaced) ctx.report(nameOf(d), message);
  },
});
