import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../src/finding.js';
import { escapeData, escapeProperty, github } from '../../src/formatters/github.js';
import { CONTEXT } from './sample.js';

function finding(severity: Severity, line: number, extra: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'some-rule',
    severity,
    message: `${severity} on line ${line}`,
    file: 'etc/nginx/nginx.conf',
    line,
    column: 1,
    endLine: line,
    endColumn: 5,
    ...extra,
  };
}

describe('escaping', () => {
  it('escapes data as actions/toolkit does', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('escapes properties further', () => {
    expect(escapeProperty('a:b,c%d\ne')).toBe('a%3Ab%2Cc%25d%0Ae');
  });

  it('escapes the message, the file and the title of an annotation', () => {
    const f = finding('error', 7, {
      ruleId: 'odd-rule',
      file: 'sites/a,b:c%.conf',
      message: 'bad: 50% of "GET, HEAD"\r\nsee docs',
    });
    expect(github([f], CONTEXT)).toBe(
      '::error file=sites/a%2Cb%3Ac%25.conf,line=7,col=1,endLine=7,endColumn=5,title=odd-rule::' +
        'bad: 50%25 of "GET, HEAD"%0D%0Asee docs\n',
    );
  });
});

describe('annotation limits', () => {
  const kinds = (out: string) => out.trimEnd().split('\n').map((l) => /^::(\w+)/.exec(l)?.[1]);
  const lines = (out: string, kind: string) => out.split('\n').filter((l) => l.startsWith(`::${kind} `));

  it('puts errors before warnings', () => {
    const out = github([finding('warning', 1), finding('error', 2), finding('warning', 3), finding('error', 4)], CONTEXT);
    expect(kinds(out)).toEqual(['error', 'error', 'warning', 'warning']);
    expect(out).not.toContain('::notice');
  });

  it('emits exactly 10 of each kind without a notice', () => {
    const findings = Array.from({ length: 20 }, (_, i) => finding(i % 2 ? 'warning' : 'error', i + 1));
    const out = github(findings, CONTEXT);
    expect(lines(out, 'error')).toHaveLength(10);
    expect(lines(out, 'warning')).toHaveLength(10);
    expect(out).not.toContain('::notice');
  });

  it('keeps the first 10 of each kind and counts the rest', () => {
    // 13 errors and 12 warnings, interleaved.
    const findings = Array.from({ length: 25 }, (_, i) => finding(i % 2 === 0 ? 'error' : 'warning', i + 1));
    const out = github(findings, CONTEXT);
    const errors = lines(out, 'error');
    const warnings = lines(out, 'warning');
    expect(errors).toHaveLength(10);
    expect(warnings).toHaveLength(10);
    expect(errors.map((l) => /line=(\d+),/.exec(l)?.[1])).toEqual(['1', '3', '5', '7', '9', '11', '13', '15', '17', '19']);
    expect(warnings.map((l) => /line=(\d+),/.exec(l)?.[1])).toEqual(['2', '4', '6', '8', '10', '12', '14', '16', '18', '20']);
    expect(kinds(out).filter(Boolean)).toEqual([...Array<string>(10).fill('error'), ...Array<string>(10).fill('warning'), 'notice']);
    const tail = out.trimEnd().split('\n').slice(20);
    expect(tail[0]).toBe('::notice::5 more findings were not annotated; they are listed in the log below');
    // The left-out ones follow as plain lines, errors first: 3 errors (21, 23, 25), 2 warnings (22, 24).
    expect(tail.slice(1).map((l) => /:(\d+):1: (\w+):/.exec(l)?.slice(1).join(' '))).toEqual(['21 error', '23 error', '25 error', '22 warning', '24 warning']);
  });

  it('counts one left-over finding in the singular', () => {
    const findings = [...Array.from({ length: 11 }, (_, i) => finding('error', i + 1)), finding('warning', 50)];
    const out = github(findings, CONTEXT);
    expect(lines(out, 'error')).toHaveLength(10);
    expect(lines(out, 'warning')).toHaveLength(1);
    expect(out.trimEnd().split('\n').slice(11)).toEqual([
      '::notice::1 more finding was not annotated; they are listed in the log below',
      expect.stringMatching(/:11:1: error: /),
    ]);
  });

  it('counts warnings over the limit when errors are few', () => {
    const findings = [finding('error', 1), ...Array.from({ length: 30 }, (_, i) => finding('warning', i + 2))];
    const out = github(findings, CONTEXT);
    expect(lines(out, 'error')).toHaveLength(1);
    expect(lines(out, 'warning')).toHaveLength(10);
    const rest = out.trimEnd().split('\n').slice(11);
    expect(rest[0]).toBe('::notice::20 more findings were not annotated; they are listed in the log below');
    expect(rest.slice(1)).toHaveLength(20);
    expect(rest.slice(1).every((l) => /^etc\/nginx\/nginx\.conf:\d+:1: warning: /.test(l))).toBe(true);
  });
});
