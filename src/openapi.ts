// Reads an OpenAPI 3.x or Swagger 2.0 document (YAML or JSON, split over
// files with $ref or not) into the operations `verblint contract` checks,
// each with the file, line and column where the spec declares it.
//
// @readme/openapi-parser resolves the $refs and validates; `yaml` keeps the
// source positions the parser throws away. verblint never downloads: a $ref
// to a URL is an error, found before the parser would fetch it.
import { dereference, validate } from '@readme/openapi-parser';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface SpecPosition {
  /** Absolute path of the file that declares it. */
  file: string;
  line: number;
  column: number;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  /** The value verblint sends: the example, default or first enum value, else one that fits the type. */
  sample: string;
}

export interface Operation {
  /** Upper case: GET, DELETE. */
  method: string;
  /** The path template as the spec writes it: /users/{userId}. */
  path: string;
  operationId: string | null;
  at: SpecPosition;
  /** The server URLs in force for it (variables filled with their defaults); empty when the spec names none. */
  servers: string[];
  parameters: Parameter[];
  /** The media type of the request body, when the operation takes one. */
  body: string | null;
  /** Request headers its security requirements add (Authorization, an API key header), lower case. */
  authHeaders: string[];
}

export interface ApiSpec {
  /** Absolute path of the main file. */
  file: string;
  kind: 'OpenAPI' | 'Swagger';
  title: string;
  operations: Operation[];
  /** What the validator found wrong; verblint checks the operations anyway. */
  problems: string[];
}

/** A spec verblint cannot read: where, and why. */
export class SpecError extends Error {
  constructor(
    message: string,
    readonly at: SpecPosition,
  ) {
    super(message);
  }
}

interface SourceFile {
  doc: Document;
  lines: LineCounter;
}

/** The YAML (or JSON) files of a spec, parsed once each, with positions. */
class Sources {
  private readonly files = new Map<string, SourceFile>();

  get(file: string, from?: SpecPosition): SourceFile {
    const known = this.files.get(file);
    if (known) return known;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new SpecError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, from ?? { file, line: 1, column: 1 });
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
      throw new SpecError(error.message.split('\n')[0]!, { file, line: pos.line, column: pos.col });
    }
    const source = { doc, lines };
    this.files.set(file, source);
    return source;
  }

  position(file: string, node: YamlNode | null | undefined): SpecPosition {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.get(file).lines.linePos(offset);
    return { file, line, column: col };
  }
}

/** `#/a/b~1c` → ['a', 'b/c']. */
function pointerSegments(fragment: string): string[] {
  const pointer = decodeURIComponent(fragment.replace(/^#/, ''));
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function pairOf(map: YamlNode, key: string): { key: YamlNode; value: YamlNode | null } | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    const k = pair.key as YamlNode;
    if (isScalar(k) && String(k.value) === key) return { key: k, value: (pair.value as YamlNode | null) ?? null };
  }
  return undefined;
}

/**
 * Where a path of keys is written, following `$ref`s on the way (to other
 * files too): the position of the last key. Falls back to the deepest key
 * found when the walk cannot go on.
 */
function locate(sources: Sources, file: string, keys: readonly string[]): SpecPosition {
  let node: YamlNode | null = sources.get(file).doc.contents as YamlNode | null;
  let at = sources.position(file, node);
  const rest = [...keys];
  for (let hops = 0; rest.length > 0 && node && hops < 64; ) {
    const found = pairOf(node, rest[0]!);
    if (found) {
      rest.shift();
      at = sources.position(file, found.key);
      node = found.value;
      continue;
    }
    const ref = pairOf(node, '$ref')?.value;
    if (!ref || !isScalar(ref) || typeof ref.value !== 'string') break;
    const [target = '', fragment = ''] = ref.value.split('#');
    if (target !== '') file = resolve(dirname(file), decodeURIComponent(target));
    node = sources.get(file).doc.contents as YamlNode | null;
    for (const seg of pointerSegments(fragment)) node = node ? (pairOf(node, seg)?.value ?? null) : null;
    hops++;
  }
  return at;
}

/** Every file a spec reaches through $ref; a $ref to a URL is an error at that $ref. */
function checkRefs(sources: Sources, main: string): void {
  const seen = new Set<string>();
  const visit = (file: string, from?: SpecPosition): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const walk = (node: unknown): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const k = pair.key as YamlNode;
          const v = pair.value as YamlNode | null;
          if (isScalar(k) && k.value === '$ref' && isScalar(v) && typeof v.value === 'string') {
            const at = sources.position(file, v);
            const target = v.value.split('#')[0]!;
            if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
              throw new SpecError(`$ref "${v.value}" points at a URL; verblint does not download: save that document beside the spec and refer to the file`, at);
            }
            if (target !== '') visit(resolve(dirname(file), decodeURIComponent(target)), at);
          } else walk(v);
        }
      } else if (isSeq(node)) for (const item of node.items) walk(item);
    };
    walk(sources.get(file, from).doc.contents);
  };
  visit(main);
}

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
}

const FORMAT_SAMPLES: Record<string, string> = {
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  date: '2024-01-31',
  'date-time': '2024-01-31T12:00:00Z',
  email: 'user@example.com',
  int32: '1',
  int64: '1',
};

/** A value for a parameter: what the spec offers, else one its schema accepts. */
function sampleValue(param: Json, schema: Json): string {
  const examples = Object.values(object(param.examples)).map((e) => object(e).value);
  for (const candidate of [param.example, ...examples, schema.example, list(schema.examples)[0], schema.default, list(schema.enum)[0], param.default, list(param.enum)[0]]) {
    const t = text(candidate);
    if (t !== null) return t;
  }
  const format = text(schema.format ?? param.format);
  if (format !== null && FORMAT_SAMPLES[format]) return FORMAT_SAMPLES[format];
  const type = text(schema.type ?? param.type);
  if (type === 'integer' || type === 'number') return text(schema.minimum ?? param.minimum) ?? '1';
  if (type === 'boolean') return 'true';
  return 'sample';
}

function parametersOf(pathItem: Json, op: Json): { params: Parameter[]; formBody: boolean; bodyParam: boolean } {
  // Operation parameters override the path item's with the same name and place.
  const byKey = new Map<string, Json>();
  for (const p of [...list(pathItem.parameters), ...list(op.parameters)].map(object)) byKey.set(`${String(p.in)}:${String(p.name)}`, p);
  const params: Parameter[] = [];
  let formBody = false;
  let bodyParam = false;
  for (const p of byKey.values()) {
    const where = text(p.in);
    if (where === 'body') bodyParam = true;
    else if (where === 'formData') formBody = true;
    else if (where === 'path' || where === 'query' || where === 'header' || where === 'cookie') {
      params.push({ name: String(p.name), in: where, required: where === 'path' || p.required === true, sample: sampleValue(p, object(p.schema)) });
    }
  }
  return { params, formBody, bodyParam };
}

/** OpenAPI 3 server URLs with their variables' defaults. */
function serverUrls(servers: unknown): string[] {
  return list(servers).map((s) => {
    const server = object(s);
    const vars = object(server.variables);
    return String(server.url ?? '/').replace(/\{([^}]+)\}/g, (whole, name: string) => text(object(vars[name]).default) ?? whole);
  });
}

/** Swagger 2.0's host, basePath and schemes as URLs. */
function swaggerUrls(api: Json): string[] {
  const base = text(api.basePath) ?? '';
  const host = text(api.host);
  if (host === null) return base !== '' ? [base] : [];
  const schemes = list(api.schemes).map(text).filter((s): s is string => s !== null);
  return (schemes.length > 0 ? schemes : ['http']).map((scheme) => `${scheme}://${host}${base}`);
}

function authHeaders(api: Json, op: Json, swagger: boolean): string[] {
  const requirements = list(op.security ?? api.security).map(object);
  // An empty requirement ({}) makes security optional; the first one is what a client sends.
  const first = requirements[0];
  if (!first || Object.keys(first).length === 0) return [];
  const schemes = swagger ? object(api.securityDefinitions) : object(object(api.components).securitySchemes);
  const headers = new Set<string>();
  for (const name of Object.keys(first)) {
    const scheme = object(schemes[name]);
    if (scheme.type === 'apiKey') {
      if (scheme.in === 'header' && typeof scheme.name === 'string') headers.add(scheme.name.toLowerCase());
    } else headers.add('authorization');
  }
  return [...headers];
}

function bodyType(api: Json, op: Json, swagger: boolean, form: boolean, bodyParam: boolean): string | null {
  if (swagger) {
    if (!form && !bodyParam) return null;
    const consumes = list(op.consumes ?? api.consumes).map(text).filter((s): s is string => s !== null);
    return consumes[0] ?? (form ? 'application/x-www-form-urlencoded' : 'application/json');
  }
  const body = object(op.requestBody);
  if (Object.keys(body).length === 0) return null;
  return Object.keys(object(body.content))[0] ?? 'application/octet-stream';
}

/** Reads the spec at `path` (YAML or JSON), resolving $refs, into its operations. */
export async function loadSpec(path: string): Promise<ApiSpec> {
  const file = resolve(path);
  const sources = new Sources();
  checkRefs(sources, file);
  const raw = object(sources.get(file).doc.toJS({ maxAliasCount: 1000 }));
  const swagger = typeof raw.swagger === 'string' || typeof raw.swagger === 'number';
  if (!swagger && typeof raw.openapi !== 'string') {
    throw new SpecError('not an OpenAPI or Swagger document: it has no "openapi" or "swagger" field', sources.position(file, sources.get(file).doc.contents as YamlNode));
  }
  let api: Json;
  try {
    api = object(await dereference(file));
  } catch (e) {
    throw new SpecError(`cannot resolve the spec: ${(e as Error).message.split('\n')[0]}`, { file, line: 1, column: 1 });
  }
  const problems: string[] = [];
  try {
    const result = await validate(file);
    if (!result.valid) for (const err of result.errors) problems.push(err.message.split('\n')[0]!);
  } catch (e) {
    problems.push((e as Error).message.split('\n')[0]!);
  }

  const rootServers = swagger ? swaggerUrls(api) : serverUrls(api.servers);
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(object(api.paths))) {
    const pathItem = object(item);
    const pathServers = serverUrls(pathItem.servers);
    for (const method of HTTP_METHODS) {
      if (!(method in pathItem)) continue;
      const op = object(pathItem[method]);
      const { params, formBody, bodyParam } = parametersOf(pathItem, op);
      const opServers = serverUrls(op.servers);
      operations.push({
        method: method.toUpperCase(),
        path: template,
        operationId: text(op.operationId),
        at: locate(sources, file, ['paths', template, method]),
        servers: opServers.length > 0 ? opServers : pathServers.length > 0 ? pathServers : rootServers,
        parameters: params,
        body: bodyType(api, op, swagger, formBody, bodyParam),
        authHeaders: authHeaders(api, op, swagger),
      });
    }
  }
  const info = object(api.info);
  return { file, kind: swagger ? 'Swagger' : 'OpenAPI', title: text(info.title) ?? '', operations, problems };
}
