import { methodNames, registeredMethods, tag } from '../src/apache-limit.js';
import { apacheNodes } from '../src/apache-rule-support.js';
import { defineRule } from '../src/rule.js';

const quoted = (names: string[]): string => names.map((n) => `"${n}"`).join(', ');

export default defineRule({
  id: 'limit-invalid-method',
  description: 'Report an Apache method name that is not upper case, not a known method, or TRACE in <Limit>.',
  dialects: ['apache'],
  severity: 'error',
  options: {},
  check(ctx) {
    const known = registeredMethods(ctx.tree);
    // apacheNodes does not enter sections no 2.4 reads, such as <IfVersion >= 2.5.1>,
    // where AllowMethods' +GET/-GET merging is meant for a later httpd.
    for (const { node, htaccess } of apacheNodes(ctx.tree).where((d) => methodNames(d) !== null)) {
      const found = methodNames(node)!;
      const isLimit = found.kind === 'limit' && node.directive.toLowerCase() === 'limit';
      const unknown = found.names.filter((n) => !known.has(n));
      const trace = isLimit && found.names.includes('TRACE');
      if (unknown.length === 0 && !trace) continue;
      const lower = unknown.filter((n) => n !== n.toUpperCase());
      const fix = [
        ...(lower.length > 0 ? [`write ${lower.map((n) => n.toUpperCase()).join(' ')}`] : []),
        ...(unknown.some((n) => /^[+-]/.test(n)) ? ['AllowMethods +/- merging needs httpd 2.5.1: list the methods in full'] : []),
        ...(unknown.some((n) => n === n.toUpperCase() && !/^[+-]/.test(n)) ? ['declare a custom method with RegisterHttpMethod in the server config'] : []),
      ].join(', or ');
      const parts: string[] = [];
      if (unknown.length > 0) {
        const names = `${quoted(unknown)} ${unknown.length > 1 ? 'are not registered methods' : 'is not a registered method'} (method names are case-sensitive)`;
        if (htaccess) {
          parts.push(`${names}: Apache rejects this .htaccess, a 500 for every request under it; ${fix}`);
        } else if (found.kind !== 'limit') {
          parts.push(`${names}: Apache refuses the configuration ("Invalid Method") and does not start; ${fix}`);
        } else {
          // Server config: ap_limit_section registers any unknown word as a new method.
          const meant = lower.length === 0 ? '' : isLimit ? `, so the section does not apply to ${lower.map((n) => n.toUpperCase()).join(' ')}` : `, so ${lower.map((n) => n.toUpperCase()).join(' ')} ${lower.length > 1 ? 'are' : 'is'} not excepted but restricted`;
          parts.push(`${names}: Apache silently registers ${unknown.length > 1 ? 'them as new methods' : 'it as a new method'}${meant} (in .htaccess it would be a 500); ${fix}`);
        }
      }
      if (trace) parts.push(`TRACE cannot be controlled by <Limit>: Apache rejects it${htaccess ? ', a 500 for every request under this .htaccess' : ' and does not start'}; use "TraceEnable off" in the server config`);
      const what = found.kind === 'limit' ? tag(node) : `"${node.directive} ${node.args.join(' ')}"`;
      ctx.report(node, `${what}: ${parts.join('. ')}`);
    }
  },
});
