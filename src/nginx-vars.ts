// nginx variables and the request-target rules the simulator needs:
// `$name` / `${name}` interpolation, and URI parsing and normalisation as
// ngx_http_parse_complex_uri does it (decode, merge slashes, resolve dots).

/** Interpolates `$name` and `${name}`; undefined when a variable is unknown. */
export function interpolate(text: string, lookup: (name: string) => string | undefined): string | undefined {
  let i = text.indexOf('$');
  // Most texts have no variable at all.
  if (i < 0) return text;
  let out = text.slice(0, i);
  while (i >= 0) {
    // text[i] is a "$"; the text before it is in `out`.
    let name: string | undefined;
    if (text.charCodeAt(i + 1) === 0x7b /* { */) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) return undefined;
      name = text.slice(i + 2, end);
      i = end + 1;
    } else {
      let j = i + 1;
      while (j < text.length && isNameChar(text.charCodeAt(j))) j++;
      if (j === i + 1) {
        out += '$';
        i++;
      } else {
        name = text.slice(i + 1, j);
        i = j;
      }
    }
    if (name !== undefined) {
      const value = lookup(name);
      if (value === undefined) return undefined;
      out += value;
    }
    const next = text.indexOf('$', i);
    out += next < 0 ? text.slice(i) : text.slice(i, next);
    i = next;
  }
  return out;
}

/** [A-Za-z0-9_] */
function isNameChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

export interface Target {
  /** The path as sent, before decoding. */
  rawPath: string;
  /** The query, without `?`; empty when there is none. */
  args: string;
  hasArgs: boolean;
  /** From an absolute-form target. */
  host?: string;
  port?: number;
}

/** Splits a request target; null for forms nginx refuses with 400 (`*`, authority form, garbage). */
export function parseTarget(uri: string): Target | null {
  let rest = uri;
  let host: string | undefined;
  let port: number | undefined;
  const absolute = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(uri);
  if (absolute) {
    const authority = absolute[2]!;
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
    if (!m || m[1] === '') return null;
    host = m[1]!;
    if (m[2]) port = Number(m[2]);
    else port = absolute[1]!.toLowerCase() === 'https' ? 443 : 80;
    rest = absolute[3] === '' ? '/' : absolute[3]!;
  }
  if (!rest.startsWith('/')) return null;
  const q = rest.indexOf('?');
  const hash = rest.indexOf('#');
  const pathEnd = q >= 0 ? q : hash >= 0 ? hash : rest.length;
  const target: Target = { rawPath: rest.slice(0, pathEnd), args: q >= 0 ? rest.slice(q + 1) : '', hasArgs: q >= 0 };
  if (host !== undefined) target.host = host;
  if (port !== undefined) target.port = port;
  return target;
}

/** Decodes %XX, merges slashes and resolves `.`/`..` as nginx does; null when nginx answers 400. */
export function normalizePath(rawPath: string, mergeSlashes = true): string | null {
  // Most paths have nothing to decode, merge or resolve: they come back as they are.
  if (rawPath.startsWith('/') && !rawPath.includes('%') && !rawPath.includes('//') && !rawPath.includes('/.')) return rawPath;
  let decoded = '';
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath[i]!;
    if (c === '%') {
      const hex = rawPath.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      const code = parseInt(hex, 16);
      if (code === 0) return null;
      decoded += String.fromCharCode(code);
      i += 2;
    } else decoded += c;
  }
  const segments: string[] = [];
  const parts = decoded.split('/');
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    if (part === '' && mergeSlashes && !last) continue;
    if (part === '.') {
      if (last) segments.push('');
      continue;
    }
    if (part === '..') {
      if (segments.length === 0) return null;
      segments.pop();
      if (last) segments.push('');
      continue;
    }
    segments.push(part);
  }
  return `/${segments.join('/')}`;
}

/** Escapes a normalised URI for an upstream request line, as ngx_escape_uri(NGX_ESCAPE_URI) does for the common cases. */
export function escapeUri(uri: string): string {
  return uri.replace(/[\x00-\x20"#%'<>\\^`{|}\x7f-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
