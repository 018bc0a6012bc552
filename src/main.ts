// The command line: with src/cli.ts (the entry point), the only files that touch process, stdout and stderr.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, parseRuleFlag, ruleSettings } from './config.js';
import { crossplanePayload, pythonJson } from './crossplane.js';
import { discover } from './discover.js';
import { UNUSED_DISABLE } from './engine.js';
import { formatExplain, formatExplainJson, shownPath } from './explain.js';
import { ASSUME_FILES, assumedFiles, diskFiles, type AssumeFiles, type StatKind } from './files.js';
import { compareFindings, type Finding } from './finding.js';
import { ALIASES, FORMATS, formatterFor } from './formatters/index.js';
import type { FormatContext } from './formatters/types.js';
import { nodeHost } from './host.js';
import type { Dialect, ParsedFile, ParseResult } from './model.js';
import { buildModel } from './nginx-model.js';
import { normalizePath, parseTarget } from './nginx-vars.js';
import type { FileOracle, Outcome, SimRequest } from './outcome.js';
import { buildApacheModel, type ApacheModel } from './apache-model.js';
import { isHtaccessName, parseApache, parseApacheText } from './apache-parse.js';
import { apacheAssumedFiles, buildApacheRoutes, listenPorts } from './apache-routes.js';
import { simulateApache } from './apache-simulate.js';
import { joinPath, parseNginx } from './parse.js';
import { buildRoutes, formatRoutes, formatRoutesJson, ROUTES_MAX_DEPTH, tooDeepForRoutes, type ServerRoutes } from './routes.js';
import { formatRoutesHtml } from './routes-html.js';
import { lintFiles } from './run.js';
import { INIT_FILE, initConfig } from './init.js';
import { simulate, type SimulateOptions } from './simulate.js';
import { rules } from '../rules/index.js';
import type { AnyRule } from './rule.js';

const USAGE = `Usage: verblint [options] [paths...]
       verblint parse FILE... [--include-comments] [--single-file] [--prefix DIR]
                              [--server-root DIR] [--sysroot DIR] [--dialect NAME]
                              [--positions] [--indent N]
       verblint explain CONFIG METHOD URL [options]   (see verblint explain --help)
       verblint routes CONFIG [options]               (see verblint routes --help)
       verblint contract CONFIG... --openapi SPEC     (see verblint contract --help)
       verblint init [--force]

Lints the nginx and Apache configs (httpd.conf, vhosts, .htaccess) at paths
(files or directories; default: .).

Options:
  -f, --format NAME        stylish (default), compact, json, sarif, github,
                           gitlab (Code Quality) or html; NAME=FILE writes that
                           format to FILE as well
  -o, --output-file FILE   write the report to FILE instead of stdout
  -c, --config FILE        use this config file (default: verblint.config.json,
                           .verblintrc.json or package.json "verblint", found upwards)
      --rule ID=LEVEL      set a rule to off, warn or error (repeatable)
      --dialect NAME       read every file as nginx or apache
      --prefix DIR         resolve relative nginx includes against DIR (like nginx -p)
      --sysroot DIR        look absolute include paths up under DIR
      --server-root DIR    Apache ServerRoot for relative Include paths
      --max-warnings N     exit 1 when there are more than N warnings
      --quiet              report errors only
      --report-unused-disable  report suppression comments that suppress nothing
      --list-rules         list the rules and exit
      --color, --no-color  force colour on or off (default: on for a terminal)
  -v, --version            print the version
  -h, --help               print this help

parse prints crossplane's JSON payload for each FILE, one line each (Apache
files in the same shape: sections are directives with a "block"):
      --include-comments   keep comments as {"directive": "#"} entries
      --single-file        do not follow include
      --positions          add column and end positions to every node and argument
      --indent N           pretty-print the JSON with N spaces

init writes verblint.config.json in the current directory: every rule with its
default severity and options, and the other settings, explained in comments.
It changes nothing until you edit it.
      --force              overwrite an existing verblint.config.json

Exit codes: 0 no errors (and warnings within --max-warnings), 1 errors or too
many warnings, 2 verblint could not do its job (bad flag, unreadable path, no
config files found, invalid config file).`;

const EXPLAIN_USAGE = `Usage: verblint explain CONFIG METHOD URL [options]

Simulates how nginx or Apache answers one request and shows why, step by step:
  verblint explain nginx.conf POST http://api.example.com/api/users
  verblint explain /etc/apache2/apache2.conf PUT http://www.example.com/

CONFIG is read as nginx or Apache as linting would read it (its name, its
folder, its content), or as --dialect says. URL is an absolute URL (its host
is the Host header, its port the port the client connects to) or a path such
as /api/users?x=1. METHOD is sent as written: nginx answers "get" with 400,
Apache with 501.

For Apache, the .htaccess file (AccessFileName) of a directory a request
passes through is read from this machine (under --sysroot) when it exists
there and AllowOverride lets Apache open it.

Options:
  -f, --format NAME        text (default) or json
      --assume-files MODE  exist: every path root/alias/try_files/index asks
                           about is a regular file; missing: nothing exists;
                           unknown: follow every possibility. For Apache, exist
                           and missing speak of the file the URL maps to: the
                           directories above it, and those the config names
                           (DocumentRoot, Alias, <Directory>), exist.
                           Default: look on disk (a path whose directory is not
                           on this machine stays unknown)
      --header 'Name: value'  a request header (repeatable); Host sets the Host,
                           Content-Length the body size
      --client ADDR        the client's address, for allow and deny (Apache:
                           Require ip, Allow from)
      --dialect NAME       read CONFIG as nginx or apache
      --prefix DIR         nginx's prefix (nginx -p): relative includes, root and alias
      --server-root DIR    Apache's ServerRoot: relative Include paths
      --sysroot DIR        look absolute include paths and files up under DIR
      --color, --no-color  force colour on or off (default: on for a terminal)

Exit codes: 0 the answer was computed (whatever the status), 2 a bad flag, an
unreadable config or a config with syntax errors.`;

const ROUTES_USAGE = `Usage: verblint routes CONFIG [options]

For each server, simulates every location with GET, HEAD, POST, PUT, PATCH,
DELETE and OPTIONS and prints the answers as a table. Each location gets a
sample URI (its prefix, its exact URI, or a string its regex matches); a
location no sample reaches says so. Named locations (@name) are listed
without cells: only try_files, error_page and the like reach them.

For Apache, one table for the main server and one per <VirtualHost>, a row
for each URL path the config names: DocumentRoot (/), <Location> and
<LocationMatch>, Alias and ScriptAlias, ProxyPass, Redirect, and each
<Directory> under DocumentRoot or an Alias target, at its URL. CONFIG is read
as explain reads it, .htaccess files included.

Cells: the status nginx (or Apache) sends; "→ proxy" (or fastcgi, uwsgi,
php, cgi, ...) when a backend answers; "404|405" when it depends on files or
conditions; "close" when return 444 closes the connection; "?" when verblint
cannot tell.

Options:
  -f, --format NAME        text (default), json or html (one page: a colour-coded
                           matrix per server, a click on a cell shows its trace)
  -o, --output-file FILE   write the report to FILE instead of stdout
      --assume-files MODE  exist, missing or unknown (default: unknown, so a
                           static location lists every status a file, a
                           directory or nothing at the path would give); for
                           Apache as explain reads it
      --dialect NAME       read CONFIG as nginx or apache
      --prefix DIR         nginx's prefix (nginx -p)
      --server-root DIR    Apache's ServerRoot: relative Include paths
      --sysroot DIR        look absolute include paths (and Apache's .htaccess
                           files) up under DIR
      --color, --no-color  force colour on or off (default: on for a terminal)

Exit codes: 0 the table was computed, 2 a bad flag, an unreadable config, a
config with syntax errors, or nginx locations nested more than 100 deep.`;

const CONTRACT_USAGE = `Usage: verblint contract CONFIG... --openapi SPEC [options]

Holds each CONFIG against an OpenAPI 3.x or Swagger 2.0 document (YAML or
JSON; $refs to other files are followed, never to URLs):
  verblint contract nginx.conf --openapi openapi.yaml
  verblint contract /etc/apache2/apache2.conf --openapi api.json --base-url https://api.example.com/v1

Every operation becomes one request: the path template filled with the
parameter's example (or default, or a value of its type), required query
parameters and headers set, a body when it takes one, and the Host, port and
base path of its first server (or --base-url). The simulator then follows the
request through CONFIG as verblint explain does. A request that does not reach
a backend as declared (same method, body kept) is a finding at the config
line that decided:
  contract-method-blocked     error: limit_except or <Limit>, a static or
                              regex location, a redirect that turns POST into
                              GET, a path nothing proxies; a warning when it
                              depends on files or conditions
  contract-preflight-blocked  the CORS preflight (OPTIONS with Origin and
                              Access-Control-Request-Method) is refused; checked
                              when a server of the spec has a host, or with --cors
GET, HEAD and OPTIONS that the server answers itself with 2xx count as served.
Each CONFIG is checked on its own (one per deployment: staging, production).

Files: the request's own path is taken not to exist on disk (an API path is
not a file) and everything else the config names (index.php, a root) to
exist; --assume-files sets one rule for every path instead.

Options:
      --openapi SPEC       the API description (required)
      --base-url URL       send every request here instead of the spec's server:
                           https://api.example.com/v1, or a base path /v1. A port
                           the config does not listen on (443 when TLS ends at a
                           load balancer) is replaced by the first one it does
      --cors               check preflights even when no server of the spec has a host
      --origin ORIGIN      the Origin of the preflights (default https://app.example.com)
  -f, --format NAME        stylish (default), compact, json, sarif, github or any
                           lint format; NAME=FILE writes it to FILE as well
  -o, --output-file FILE   write the report to FILE instead of stdout
      --assume-files MODE  exist, missing or unknown, as explain reads it
      --max-warnings N, --quiet, --dialect, --prefix, --server-root, --sysroot,
      --color, --no-color  as for linting

Exit codes: 0 every operation passes (warnings within --max-warnings), 1 an
operation is blocked, 2 a bad flag, an unreadable config or spec, a config
with syntax errors, or a spec without operations.`;

class UsageError extends Error {}

const OPTIONS = {
  format: { type: 'string', short: 'f', multiple: true },
  'output-file': { type: 'string', short: 'o' },
  config: { type: 'string', short: 'c' },
  rule: { type: 'string', multiple: true },
  dialect: { type: 'string' },
  prefix: { type: 'string' },
  sysroot: { type: 'string' },
  'server-root': { type: 'string' },
  'max-warnings': { type: 'string' },
  quiet: { type: 'boolean' },
  'report-unused-disable': { type: 'boolean' },
  'list-rules': { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  'include-comments': { type: 'boolean' },
  'single-file': { type: 'boolean' },
  positions: { type: 'boolean' },
  indent: { type: 'string' },
  'assume-files': { type: 'string' },
  openapi: { type: 'string' },
  'base-url': { type: 'string' },
  cors: { type: 'boolean' },
  origin: { type: 'string' },
  header: { type: 'string', multiple: true },
  client: { type: 'string' },
  force: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

function packageJson(): { version: string; homepage?: string } {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; homepage?: string };
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, not "${value}"`);
  return Number(value);
}

/** --no-color, --color, NO_COLOR, FORCE_COLOR, TERM=dumb, then whether stdout is a terminal. */
function useColor(values: Values): boolean {
  if (values['no-color']) return false;
  if (values.color) return true;
  const env = process.env;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  if (env.TERM === 'dumb') return false;
  return process.stdout.isTTY === true;
}

function formatName(name: string): string {
  const canonical = (ALIASES as Record<string, string>)[name] ?? name;
  if (!formatterFor(canonical)) {
    throw new UsageError(`unknown format "${name}"; choose one of ${FORMATS.join(', ')}`);
  }
  return canonical;
}

function dialectFlag(values: Values): Dialect | undefined {
  const dialect = values.dialect;
  if (dialect !== undefined && dialect !== 'nginx' && dialect !== 'apache') {
    throw new UsageError(`--dialect takes nginx or apache, not "${dialect}"`);
  }
  return dialect;
}

function runParse(files: string[], values: Values): number {
  if (files.length === 0) throw new UsageError('parse needs at least one FILE');
  const indent = wholeNumber('--indent', values.indent);
  const forced = dialectFlag(values);
  const cwd = process.cwd();
  let status = 0;
  for (const file of files) {
    // The dialect as linting would judge it: by name, folder and content.
    const dialect = forced ?? discover([file], { cwd }).files[0]?.dialect ?? 'nginx';
    const common = {
      comments: values['include-comments'] ?? false,
      singleFile: values['single-file'] ?? false,
      ...(values.sysroot !== undefined && { sysroot: values.sysroot }),
    };
    const result = dialect === 'apache'
      ? parseApache(file, { ...common, ...(values['server-root'] !== undefined && { serverRoot: values['server-root'] }) })
      : parseNginx(file, { ...common, ...(values.prefix !== undefined && { prefix: values.prefix }) });
    if (result.status === 'failed') status = Math.max(status, 1);
    process.stdout.write(`${pythonJson(crossplanePayload(result, { positions: values.positions ?? false }), indent)}\n`);
    for (const w of result.warnings) process.stderr.write(`${w.file}:${w.line}:${w.column}: warning: ${w.message}\n`);
    const unreadable = result.config[0]!.errors.find((e) => e.kind === 'read');
    if (unreadable) {
      process.stderr.write(`verblint: cannot read ${file}: ${unreadable.message}\n`);
      status = 2;
    }
  }
  return status;
}

/** The one output format of explain (text or json) and routes (html too). */
function simFormat<F extends string = 'text' | 'json'>(values: Values, allowed: readonly F[] = ['text', 'json'] as F[]): F {
  const formats = values.format ?? [];
  if (formats.length > 1) throw new UsageError('--format can be given once here');
  const name = formats[0] ?? 'text';
  if (!(allowed as readonly string[]).includes(name)) {
    throw new UsageError(`unknown format "${name}"; choose ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`);
  }
  return name as F;
}

function assumeFiles(values: Values): AssumeFiles | undefined {
  const mode = values['assume-files'];
  if (mode === undefined) return undefined;
  if (!(ASSUME_FILES as readonly string[]).includes(mode)) {
    throw new UsageError(`--assume-files takes ${ASSUME_FILES.join(', ')}, not "${mode}"`);
  }
  return mode as AssumeFiles;
}

function statKind(path: string): StatKind {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'none' : 'error';
  }
}

/** A config read for the simulator: one request, or the routes table. */
interface SimConfig {
  dialect: Dialect;
  run: (request: SimRequest) => Outcome;
  /** --assume-files for a request to a path (decoded). */
  assumed: (mode: AssumeFiles, path: string) => FileOracle;
  routes: (mode: AssumeFiles) => ServerRoutes[];
  /** The ports the config listens on, the first the most likely. */
  ports: number[];
}

/** Reads CONFIG in the dialect linting would give it (or --dialect's), ready to simulate requests. */
function loadForSim(file: string, values: Values): SimConfig {
  const dialect = dialectFlag(values) ?? discover([file], { cwd: process.cwd() }).files[0]?.dialect ?? 'nginx';
  if (dialect === 'nginx') {
    if (values['server-root'] !== undefined) throw new UsageError(`--server-root is for Apache configs, and ${file} is read as nginx (see --dialect)`);
    const model = buildModel(loadNginx(file, values));
    const run = (request: SimRequest): Outcome => simulate(model, request, simOptions(values));
    const routes = (mode: AssumeFiles): ServerRoutes[] => {
      const deep = tooDeepForRoutes(model);
      if (deep) {
        throw new UsageError(
          `${shownPath(deep.node.file, process.cwd())}:${deep.node.line}: locations nest more than ${ROUTES_MAX_DEPTH} levels deep here; verblint routes tabulates at most ${ROUTES_MAX_DEPTH} (linting and explain have no such limit)`,
        );
      }
      return buildRoutes(model, run, { files: assumedFiles(mode) });
    };
    const ports = [...new Set(model.servers.flatMap((s) => s.info.listens.filter((l) => !l.address.startsWith('unix:')).map((l) => l.port)))];
    return { dialect, run, assumed: (mode) => assumedFiles(mode), routes, ports };
  }
  if (values.prefix !== undefined) throw new UsageError(`--prefix is for nginx configs, and ${file} is read as Apache (its ServerRoot is --server-root)`);
  if (isHtaccessName(file)) throw new UsageError(`${file} is a .htaccess file: name the server config (apache2.conf, httpd.conf, a site) instead; the .htaccess files on this machine are read from there`);
  const model = loadApache(file, values);
  const run = (request: SimRequest): Outcome => simulateApache(model, request);
  const assumed = (mode: AssumeFiles, path: string): FileOracle => apacheAssumedFiles(model, mode, path);
  return { dialect, run, assumed, routes: (mode) => buildApacheRoutes(model, run, { files: (path) => assumed(mode, path) }), ports: listenPorts(model) };
}

/** Parses an Apache CONFIG and builds its model, with the .htaccess files found on this machine. */
function loadApache(file: string, values: Values): ApacheModel {
  const tree = checked(
    file,
    parseApache(file, {
      comments: false,
      ...(values['server-root'] !== undefined && { serverRoot: values['server-root'] }),
      ...(values.sysroot !== undefined && { sysroot: values.sysroot }),
    }),
  );
  // The model asks for a directory's .htaccess only after it is built, so AccessFileName is known by then.
  const model: ApacheModel = buildApacheModel(tree, { htaccess: (dir) => readHtaccess(dir, model.accessFileName, values.sysroot) });
  return model;
}

/**
 * The .htaccess of an absolute directory, parsed; null when there is none. A file
 * that is there but cannot be read comes back with its error: Apache answers
 * 500 for everything under it.
 */
function readHtaccess(dir: string, name: string, sysroot: string | undefined): ParsedFile | null {
  const file = `${dir.replace(/\/+$/, '')}/${name}`;
  const path = sysroot !== undefined ? joinPath(sysroot, file.replace(/^\/+/, '')) : file;
  let text: string;
  try {
    text = nodeHost.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    const error = { kind: 'read' as const, file, line: 1, column: 1, message: `pcfg_openfile: unable to check htaccess file, ensure it is readable and that '${dir.replace(/\/+$/, '')}/' is executable (${code ?? 'EIO'})` };
    return { file, path, status: 'failed', errors: [error], parsed: [], lines: 0 };
  }
  const result = parseApacheText(text, file, { htaccess: true });
  return { file, path, status: result.errors.length > 0 ? 'failed' : 'ok', errors: result.errors, parsed: result.parsed, lines: result.lines };
}

/** Parses an nginx CONFIG for the simulator. */
function loadNginx(file: string, values: Values): ParseResult {
  return checked(
    file,
    parseNginx(file, {
      comments: false,
      ...(values.prefix !== undefined && { prefix: values.prefix }),
      ...(values.sysroot !== undefined && { sysroot: values.sysroot }),
    }),
  );
}

/** Prints a parse's warnings and errors; read and syntax errors end the run with exit 2. */
function checked(file: string, result: ParseResult): ParseResult {
  const cwd = process.cwd();
  for (const w of result.warnings) process.stderr.write(`${shownPath(w.file, cwd)}:${w.line}:${w.column}: warning: ${w.message}\n`);
  const unreadable = result.config[0]!.errors.find((e) => e.kind === 'read');
  if (unreadable) throw new UsageError(`cannot read ${file}: ${unreadable.message}`);
  const fatal = result.errors.filter((e) => e.kind !== 'include');
  // A missing include: nginx -t would fail too, but the rest still says something.
  for (const e of result.errors) {
    process.stderr.write(`${shownPath(e.file, cwd)}:${e.line}:${e.column}: ${e.kind === 'include' ? 'warning' : 'error'}: ${e.message}\n`);
  }
  if (fatal.length > 0) throw new UsageError(`${file} has ${fatal.length === 1 ? 'a syntax error' : `${fatal.length} syntax errors`}; fix ${fatal.length === 1 ? 'it' : 'them'} first`);
  return result;
}

function simOptions(values: Values): SimulateOptions {
  return values.prefix !== undefined ? { prefix: values.prefix } : {};
}

/** The decoded path of a request target, `/` when it has none the simulator can read. */
function requestPath(url: string): string {
  const target = parseTarget(url);
  return (target && normalizePath(target.rawPath)) ?? '/';
}

function runExplain(args: string[], values: Values): number {
  const format = simFormat(values);
  const mode = assumeFiles(values);
  if (args.length !== 3) throw new UsageError('explain takes CONFIG METHOD URL, e.g. verblint explain nginx.conf POST http://example.com/api/');
  const [config, method, url] = args as [string, string, string];
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header takes 'Name: value', not "${h}"`);
    headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const length = headers['content-length'];
  if (length !== undefined && !/^\d+$/.test(length)) throw new UsageError(`Content-Length must be a whole number, not "${length}"`);
  const sim = loadForSim(config, values);
  const files: FileOracle = mode === undefined ? diskFiles(statKind, values.sysroot) : sim.assumed(mode, requestPath(url));
  const request: SimRequest = {
    method,
    uri: url,
    headers,
    files,
    ...(headers.host !== undefined && { host: headers.host }),
    ...(values.client !== undefined && { client: values.client }),
    ...(length !== undefined && { bodyLength: Number(length) }),
  };
  const outcome = sim.run(request);
  const cwd = process.cwd();
  process.stdout.write(format === 'json' ? formatExplainJson(outcome, { cwd }) : formatExplain(outcome, { cwd, color: useColor(values), dialect: sim.dialect }));
  return 0;
}

function runRoutes(args: string[], values: Values): number {
  const format = simFormat(values, ['text', 'json', 'html']);
  const mode = assumeFiles(values) ?? 'unknown';
  if (args.length !== 1) throw new UsageError('routes takes one CONFIG, e.g. verblint routes nginx.conf');
  const sim = loadForSim(args[0]!, values);
  const servers = sim.routes(mode);
  const cwd = process.cwd();
  const toFile = values['output-file'];
  const report =
    format === 'json'
      ? formatRoutesJson(servers, { cwd })
      : format === 'html'
        ? formatRoutesHtml(servers, { cwd, dialect: sim.dialect, title: `verblint routes ${shownPath(args[0]!, cwd)}` })
        : formatRoutes(servers, { cwd, color: toFile === undefined && useColor(values), dialect: sim.dialect });
  if (toFile !== undefined) writeReport(toFile, report);
  else process.stdout.write(report);
  return 0;
}

/** The columns of the directive on a config line: from its first non-blank character to the end of the line. */
function lineSpan(texts: Map<string, string[]>, file: string, line: number): { column: number; endColumn: number } {
  let lines = texts.get(file);
  if (!lines) {
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      lines = [];
    }
    texts.set(file, lines);
  }
  const text = (lines[line - 1] ?? '').replace(/\s+$/, '');
  const column = text.search(/\S/) + 1 || 1;
  return { column, endColumn: Math.max(column, text.length + 1) };
}

async function runContract(configs: string[], values: Values): Promise<number> {
  if (configs.length === 0) throw new UsageError('contract needs at least one CONFIG, e.g. verblint contract nginx.conf --openapi openapi.yaml');
  const specFile = values.openapi;
  if (specFile === undefined) throw new UsageError('contract needs --openapi SPEC: the OpenAPI or Swagger document to hold the config against');
  const mode = assumeFiles(values);
  const formats = outputFormats(values);
  const maxWarnings = wholeNumber('--max-warnings', values['max-warnings']);
  const cwd = process.cwd();
  // Loaded here: the spec reader and its validator take longer to load than a small lint takes.
  const [{ loadSpec, SpecError }, { apiFiles, checkContract, CONTRACT_RULES }] = await Promise.all([import('./openapi.js'), import('./contract.js')]);
  // A .htaccess read under --sysroot is named by its path on the server; findings name the file here.
  const sysroot = values.sysroot;
  const here = (file: string): string => {
    const inside = sysroot !== undefined && file.startsWith('/') ? joinPath(sysroot, file.slice(1)) : undefined;
    return inside !== undefined && statKind(inside) === 'file' ? inside : file;
  };
  const display = (file: string): string => shownPath(here(file), cwd);
  let spec;
  try {
    spec = await loadSpec(specFile);
  } catch (e) {
    if (e instanceof SpecError) throw new UsageError(`${display(e.at.file)}:${e.at.line}:${e.at.column}: ${e.message}`);
    throw e;
  }
  for (const problem of spec.problems) process.stderr.write(`verblint: warning: ${display(spec.file)} is not valid ${spec.kind}: ${problem}\n`);
  if (spec.operations.length === 0) throw new UsageError(`${display(spec.file)} declares no operations (its "paths" is empty)`);

  const texts = new Map<string, string[]>();
  const findings: Finding[] = [];
  for (const config of configs) {
    const sim = loadForSim(config, values);
    const result = checkContract(
      spec,
      {
        dialect: sim.dialect,
        file: config,
        run: sim.run,
        ports: sim.ports,
        files: (path) => (mode !== undefined ? sim.assumed(mode, path) : apiFiles(path, sim.assumed('exist', path))),
      },
      {
        ...(values['base-url'] !== undefined && { baseUrl: values['base-url'] }),
        cors: values.cors === true || values.origin !== undefined,
        origin: values.origin ?? 'https://app.example.com',
        display,
        span: (file, line) => lineSpan(texts, here(file), line),
      },
    );
    findings.push(...result.findings);
    const count = (v: string): number => result.checks.filter((c) => c.verdict === v).length;
    const unsure = result.checks.filter((c) => c.verdict === 'cannot-tell').map((c) => `${c.operation.method} ${c.operation.path}`);
    process.stderr.write(
      `verblint: ${display(config)}: ${result.checks.length} operations of ${display(spec.file)}: ${count('reaches')} reach the backend, ${count('blocked')} blocked, ${count('may-be-blocked')} may be blocked${unsure.length > 0 ? `, cannot tell for ${unsure.join(', ')}` : ''}\n`,
    );
  }
  const shown = writeFindings(findings.sort(compareFindings), formats, values, CONTRACT_RULES);
  return findingsExit(shown, maxWarnings);
}

/** The report formats a run writes: one for the console (or -o), and any NAME=FILE extras. */
interface Formats {
  primary: string;
  extras: Array<{ name: string; file: string }>;
}

/** Reads --format (and VERBLINT_FORMAT) before any work is done, so a bad name fails fast. */
function outputFormats(values: Values): Formats {
  const requested = values.format ?? [];
  const extras = requested.filter((f) => f.includes('=')).map((f) => {
    const [name, file] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
    if (file === '') throw new UsageError(`--format ${f}: name a file after "="`);
    return { name: formatName(name), file };
  });
  const primaries = requested.filter((f) => !f.includes('='));
  if (primaries.length > 1) throw new UsageError(`--format can name one console format; write the others as NAME=FILE`);
  return { primary: formatName(primaries[0] ?? process.env.VERBLINT_FORMAT ?? 'stylish'), extras };
}

/** Writes the findings in every requested format; gives back those reported (errors only with --quiet). */
function writeFindings(all: readonly Finding[], formats: Formats, values: Values, ruleList: readonly AnyRule[]): Finding[] {
  const cwd = process.cwd();
  const { primary, extras } = formats;
  const findings = values.quiet ? all.filter((f) => f.severity === 'error') : [...all];
  const pkg = packageJson();
  // The html format shows each file's source beside its findings.
  const sources = primary === 'html' || extras.some((e) => e.name === 'html') ? readSources(findings, cwd) : undefined;
  const context = (color: boolean): FormatContext => ({
    color,
    cwd,
    rules: ruleList,
    version: pkg.version,
    docsUrl: pkg.homepage ? `${pkg.homepage.replace(/\/$/, '')}/blob/main/rules/` : '',
    ...(sources !== undefined && { sources }),
  });
  const toFile = values['output-file'];
  const report = formatterFor(primary)!(findings, context(toFile === undefined && primary === 'stylish' && useColor(values)));
  if (toFile !== undefined) writeReport(toFile, report);
  else process.stdout.write(report);
  for (const { name, file } of extras) writeReport(file, formatterFor(name)!(findings, context(false)));
  return findings;
}

/** 1 for an error, or for more warnings than --max-warnings (unused suppressions aside); else 0. */
function findingsExit(findings: readonly Finding[], maxWarnings: number | undefined): number {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning' && f.ruleId !== UNUSED_DISABLE).length;
  if (errors > 0) return 1;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    process.stderr.write(`verblint: ${warnings} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** `verblint init`: writes verblint.config.json here, refusing to overwrite one unless --force. */
function runInit(args: string[], values: Values): number {
  if (args.length > 0) throw new UsageError(`init takes no arguments; it writes ${INIT_FILE} in the current directory`);
  const flag = Object.keys(values).find((k) => k !== 'force');
  if (flag !== undefined) throw new UsageError(`--${flag} is not for verblint init, which takes only --force`);
  const cwd = process.cwd();
  // Which config runs now, to say which one the new file takes the place of.
  let before: string | undefined;
  try {
    before = loadConfig(cwd).file;
  } catch {
    before = undefined;
  }
  const pkg = packageJson();
  const text = initConfig(rules, {
    version: pkg.version,
    docsUrl: pkg.homepage ? `${pkg.homepage.replace(/\/$/, '')}/blob/main/rules/` : '',
  });
  try {
    // 'wx' fails when the file exists, with no window between a check and the write.
    writeFileSync(resolve(cwd, INIT_FILE), text, { flag: values.force ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${INIT_FILE} already exists; verblint init --force overwrites it`);
    throw new UsageError(`cannot write ${INIT_FILE}: ${(e as Error).message}`);
  }
  process.stdout.write(`wrote ${INIT_FILE}: ${rules.length} rules at their default settings\n`);
  if (before !== undefined && before !== INIT_FILE) {
    process.stderr.write(`verblint: ${INIT_FILE} now takes the place of ${before}\n`);
  }
  return 0;
}

function listRules(): number {
  const width = Math.max(...rules.map((r) => r.id.length));
  for (const r of rules) {
    process.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.dialects.join(',').padEnd(12)}  ${r.description}\n`);
  }
  return 0;
}

/** Fewer files than this are linted before anyone would read a progress line. */
const PROGRESS_MIN_FILES = 100;

interface Progress {
  update: (done: number, total: number, phase: 'read' | 'lint') => void;
  clear: () => void;
}

/**
 * `verblint: reading 120/1400 files` on stderr, redrawn in place, when many
 * files are linted on a terminal: never into a pipe or a file, in CI or with
 * --quiet. Spaces rub out the old line: TERM=dumb has no erase-line code.
 */
function progressLine(values: Values, files: number): Progress | undefined {
  const ci = process.env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
  if (process.stderr.isTTY !== true || values.quiet || inCi || files < PROGRESS_MIN_FILES) return undefined;
  let shown = '';
  let step = '';
  return {
    update(done, total, phase) {
      // Redraw once per percent, not once per file.
      const now = `${phase} ${Math.floor((done * 100) / total)}`;
      if (now === step && done !== total) return;
      step = now;
      const text = `verblint: ${phase === 'read' ? 'reading' : 'linting'} ${done}/${total} files`;
      process.stderr.write(`\r${text.padEnd(shown.length)}`);
      shown = text;
    },
    clear() {
      if (shown !== '') process.stderr.write(`\r${' '.repeat(shown.length)}\r`);
      shown = '';
    },
  };
}

function runLint(paths: string[], values: Values): number {
  const cwd = process.cwd();
  const loaded = loadConfig(cwd, values.config);
  const config = loaded.config;
  const settings = ruleSettings(loaded, rules);
  for (const flag of values.rule ?? []) {
    const [id, level] = parseRuleFlag(flag, rules);
    settings.severity[id] = level;
  }
  const dialect = dialectFlag(values);
  const maxWarnings = wholeNumber('--max-warnings', values['max-warnings']) ?? config.maxWarnings;

  const formats = outputFormats(values);

  const discovery = discover(paths, {
    cwd,
    // The config's ignores and overrides are relative to the config file.
    ...(loaded.file !== undefined && { base: dirname(resolve(cwd, loaded.file)) }),
    ...(config.ignores && { ignores: config.ignores }),
    ...(dialect !== undefined && { dialect }),
    ...(config.overrides && { overrides: config.overrides }),
  });
  if (discovery.missing.length > 0) {
    throw new UsageError(`no such file or directory: ${discovery.missing.join(', ')}`);
  }
  const prefix = values.prefix ?? config.prefix;
  const serverRoot = values['server-root'] ?? config.serverRoot;
  const progress = progressLine(values, discovery.files.length);
  let output;
  try {
    output = lintFiles(
      {
        files: discovery.files,
        cwd,
        host: nodeHost,
        ...(prefix !== undefined && { prefix }),
        ...(values.sysroot !== undefined && { sysroot: values.sysroot }),
        ...(serverRoot !== undefined && { serverRoot }),
        ...(progress !== undefined && { onProgress: progress.update }),
      },
      {
        rules,
        severity: settings.severity,
        options: settings.options,
        reportUnusedDisable: values['report-unused-disable'] ?? false,
        displayPath: (p) => relative(cwd, resolve(cwd, p)).split(sep).join('/'),
      },
    );
  } finally {
    progress?.clear();
  }
  if (output.trees === 0) {
    throw new UsageError(`no nginx or Apache config files found in ${paths.join(', ')}`);
  }

  const shown = writeFindings(output.findings, formats, values, rules);
  for (const u of output.unreadable) process.stderr.write(`verblint: cannot read ${u.path}: ${u.message}\n`);
  return output.unreadable.length > 0 ? 2 : findingsExit(shown, maxWarnings);
}

/** The text of each file that has findings, keyed by Finding.file; a file that cannot be read is left out. */
function readSources(findings: readonly Finding[], cwd: string): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const file of new Set(findings.map((f) => f.file))) {
    try {
      sources[file] = readFileSync(resolve(cwd, file), 'utf8');
    } catch {
      // The report then lists this file's findings without its source.
    }
  }
  return sources;
}

/**
 * Creates the missing folders above a report, one at a time: Node 20's
 * recursive mkdirSync never returns for a path under /proc (each ENOENT sends
 * it back up the path).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    if (dirname(d) === d) break;
    missing.push(d);
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

function writeReport(file: string, text: string): void {
  try {
    makeFolders(dirname(resolve(file)));
    writeFileSync(file, text);
  } catch (e) {
    throw new UsageError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

export function main(argv: string[]): number | Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help) {
    const text = command === 'explain' ? EXPLAIN_USAGE : command === 'routes' ? ROUTES_USAGE : command === 'contract' ? CONTRACT_USAGE : USAGE;
    process.stdout.write(`${text}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${packageJson().version}\n`);
    return 0;
  }
  if (values['list-rules']) return listRules();
  if (command !== 'explain' && command !== 'routes' && command !== 'contract') {
    const misplaced = (['assume-files', 'header', 'client'] as const).find((name) => values[name] !== undefined);
    if (misplaced) throw new UsageError(`--${misplaced} is for verblint explain and verblint routes`);
  }
  if (command !== 'init' && values.force !== undefined) throw new UsageError('--force is for verblint init');
  if (command !== 'contract') {
    const misplaced = (['openapi', 'base-url', 'cors', 'origin'] as const).find((name) => values[name] !== undefined);
    if (misplaced) throw new UsageError(`--${misplaced} is for verblint contract`);
  }
  if (command === 'contract' && (values.header !== undefined || values.client !== undefined)) {
    throw new UsageError(`--${values.header !== undefined ? 'header' : 'client'} is for verblint explain`);
  }
  if (command === 'routes' && (values.header !== undefined || values.client !== undefined)) {
    throw new UsageError(`--${values.header !== undefined ? 'header' : 'client'} is for verblint explain`);
  }
  if (command === 'parse') return runParse(positionals.slice(1), values);
  if (command === 'explain') return runExplain(positionals.slice(1), values);
  if (command === 'routes') return runRoutes(positionals.slice(1), values);
  if (command === 'contract') return runContract(positionals.slice(1), values);
  if (command === 'init') return runInit(positionals.slice(1), values);
  return runLint(positionals.length > 0 ? positionals : ['.'], values);
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

function fail(e: unknown): void {
  if (e instanceof UsageError || e instanceof ConfigError) {
    process.stderr.write(`verblint: ${e.message}\n`);
  } else {
    // A bug in verblint, not in the input: say so in one line, stack on request.
    const detail = process.env.VERBLINT_DEBUG ? `\n${(e as Error).stack}` : ' (set VERBLINT_DEBUG=1 for the stack trace)';
    process.stderr.write(`verblint: internal error: ${(e as Error).message}${detail}\n`);
  }
  process.exitCode = 2;
}

try {
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  else code.then((c) => (process.exitCode = c), fail);
} catch (e) {
  fail(e);
}
