import { isIncludeCycle } from '../src/parse.js';
import { defineRule } from '../src/rule.js';

export default defineRule({
  id: 'include-missing',
  description: 'Report an include of a file that does not exist.',
  dialects: ['nginx', 'apache'],
  severity: 'error',
  options: {},
  check(ctx) {
    for (const e of ctx.tree.errors) if (e.kind === 'include') ctx.report(e, e.message);
    // nginx reads a cycle until it runs out of file descriptors or crashes: as fatal as a missing file.
    for (const w of ctx.tree.warnings) if (isIncludeCycle(w)) ctx.report(w, w.message);
  },
});
