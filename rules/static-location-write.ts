import { apacheStaticWriteFindings } from '../src/apache-static-write.js';
import { defineRule } from '../src/rule.js';
import { modelOf } from '../src/nginx-model.js';
import { probesOf, serverLocations } from '../src/rule-support.js';
import { WRITE_PATH_WORDS, looksLikeWritePath, refusedText, refusedWithPut } from '../src/static-writes.js';

export default defineRule({
  id: 'static-location-write',
  description: 'Report a location that looks like a write endpoint but is answered by the static module.',
  dialects: ['nginx', 'apache'],
  severity: 'warning',
  options: { writePathWords: WRITE_PATH_WORDS as string[] },
  check(ctx) {
    if (ctx.dialect === 'apache') {
      for (const f of apacheStaticWriteFindings(ctx.tree, ctx.options.writePathWords)) ctx.report(f.node, f.message);
      return;
    }
    const seen = new Set<object>();
    const probes = probesOf(ctx.tree);
    for (const loc of serverLocations(modelOf(ctx.tree))) {
      if (seen.has(loc.node) || loc.modifier === '@') continue;
      const word = looksLikeWritePath(loc.name, ctx.options.writePathWords);
      const probe = word ? probes.locations.get(loc) : undefined;
      if (!word || !probe) continue;
      const refused = refusedWithPut(probe.send, probe.uri);
      if (!refused) continue;
      seen.add(loc.node);
      ctx.report(
        loc.node,
        `${refusedText(refused, probe.uri)}: "location ${loc.node.args.join(' ')}" looks like a write endpoint ("${word}", a guess from the name) but no *_pass answers it`,
      );
    }
  },
});
