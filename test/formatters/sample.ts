// One realistic set of findings, and the context the golden files were made with.
import type { Finding } from '../../src/finding.js';
import type { FormatContext } from '../../src/formatters/types.js';
import type { AnyRule } from '../../src/rule.js';

// Rules of the sample, fixed here so that the goldens don't change with rules/.
function rule(id: string, description: string, severity: AnyRule['severity'], dialects: AnyRule['dialects']): AnyRule {
  return { id, description, dialects, severity, options: {}, check() {} };
}

export const RULES: readonly AnyRule[] = [
  rule('limit-except-no-effect', 'Report limit_except blocks that restrict no method.', 'error', ['nginx']),
  rule('redirect-drops-method', 'Report 301 and 302 redirects that turn POST into GET.', 'warning', ['apache']),
  rule('return-405-without-allow', 'Send an Allow header with every 405 response.', 'warning', ['nginx']),
  rule('syntax-error', 'Report configuration text that the server cannot read.', 'error', ['nginx', 'apache']),
];

export const CONTEXT: FormatContext = {
  color: false,
  cwd: '/repo',
  rules: RULES,
  version: '0.1.0',
  docsUrl: 'https://github.com/verblint/verblint/blob/main/rules/',
};

const APACHE = 'etc/apache2/sites-enabled/000-default.conf';
const NGINX = 'etc/nginx/nginx.conf';

/** In the engine's order: by file, then line, then column. */
export const FINDINGS: readonly Finding[] = [
  {
    ruleId: 'redirect-drops-method',
    severity: 'warning',
    // `%`, `,`, `:` and a newline, for the github escaping.
    message: 'RewriteRule "^/old/(.*)$" "/new/%1" [R=301,L]: a 301 turns POST into GET\nuse R=308 to keep the method',
    file: APACHE,
    line: 3,
    column: 5,
    endLine: 3,
    endColumn: 50,
  },
  {
    ruleId: 'syntax-error',
    severity: 'error',
    message: 'unexpected "</Directory>": no <Directory> is open',
    file: APACHE,
    line: 12,
    column: 1,
    endLine: 12,
    endColumn: 13,
  },
  {
    ruleId: 'limit-except-no-effect',
    severity: 'error',
    message: 'limit_except GET has no deny or auth: POST, PUT, DELETE are not restricted',
    file: NGINX,
    line: 9,
    column: 13,
    endLine: 11,
    endColumn: 14,
    related: [{ file: NGINX, line: 8, column: 9, message: 'location /api/ starts here' }],
  },
  {
    ruleId: 'return-405-without-allow',
    severity: 'warning',
    message: 'return 405 sends no Allow header: add_header Allow "GET, HEAD" always',
    file: NGINX,
    line: 40,
    column: 9,
    endLine: 40,
    endColumn: 20,
  },
];
