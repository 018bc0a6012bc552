// proxy-pass-uri-join for Apache: mod_proxy replaces the part of the request
// path that matched the ProxyPass path with the URL and appends the rest as
// is, so the two must agree on the trailing slash (verified on Apache 2.4.71:
// `ProxyPass /a/ http://b/v1` sends /a/users as /v1users, `ProxyPass /b
// http://b/v1/` sends /b/users as /v1//users, and `ProxyPass /c/ http://b`
// glues the rest to the port: a DNS failure and a 500).
import { apacheNodes, lowerName } from './apache-rule-support.js';
import type { Directive, ParseResult } from './model.js';

export interface JoinFinding {
  node: Directive;
  message: string;
}

/** The path part of a ProxyPass URL ('' when it has none), or null when it is no URL. */
function urlPath(url: string): string | null {
  // unix:/run/app.sock|http://localhost/v1 : the part after the bar.
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/i.exec(url.includes('|') ? url.slice(url.indexOf('|') + 1) : url);
  return m ? m[1]! : null;
}

export function apacheJoinFindings(tree: ParseResult): JoinFinding[] {
  const out: JoinFinding[] = [];
  for (const { node, parents } of apacheNodes(tree).where((d) => lowerName(d) === 'proxypass')) {
    const section = [...parents].reverse().find((p) => /^(location|locationmatch|directory|directorymatch|files|filesmatch)$/.test(lowerName(p)));
    let path: string | undefined;
    let url: string | undefined;
    if (!section) [path, url] = node.args;
    else if (lowerName(section) === 'location' && node.args.length >= 1 && !/^\/|^!$/.test(node.args[0]!)) [path, url] = [section.args[0], node.args[0]];
    if (path === undefined || url === undefined || url === '!' || !path.startsWith('/')) continue;
    const part = urlPath(url);
    if (part === null || path.endsWith('/') === part.endsWith('/')) continue;
    const sample = path.endsWith('/') ? `${path}users` : `${path}/users`;
    const rest = sample.slice(path.length);
    const story =
      part === '' ? `${sample} becomes "${url}${rest}", the rest glued to the host (Apache answers 500)` : `${sample} reaches the backend as ${part}${rest}`;
    const where = section ? `"<Location ${path}>" and "ProxyPass ${url}"` : `"ProxyPass ${path} ${url}"`;
    const fix = path.endsWith('/') ? `end "${url}" with a slash` : `write the path as "${path}/" or drop the slash from "${url}"`;
    out.push({ node, message: `${where} ${section ? 'disagree' : 'disagrees'} on the trailing slash: ${story}, for every method; ${fix}` });
  }
  return out;
}
