// SARIF 2.1.0 as GitHub code scanning accepts it: one run, a reporting
// descriptor per rule, one result per finding.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import type { Finding, Severity } from '../finding.js';
import type { AnyRule } from '../rule.js';
import type { Formatter } from './types.js';
import { displayPath, ruleDocUrl } from './paths.js';

const SRCROOT = '%SRCROOT%';

export const sarif: Formatter = (findings, ctx) => {
  const descriptors = ctx.rules.map((rule) => descriptor(rule, ruleDocUrl(ctx.docsUrl, rule.id)));
  const index = new Map(ctx.rules.map((rule, i) => [rule.id, i]));
  // Findings the rule list does not know (the engine's own, such as unused
  // suppressions) still get a descriptor, so every result names a rule.
  const ruleIndex = (f: Finding): number => {
    let i = index.get(f.ruleId);
    if (i === undefined) {
      i = descriptors.push(unlistedDescriptor(f.ruleId, f.severity)) - 1;
      index.set(f.ruleId, i);
    }
    return i;
  };

  const occurrences = new Map<string, number>();
  const results = findings.map((f): Result => {
    const file = displayPath(f.file, ctx.cwd);
    return {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex(f),
      level: f.severity,
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: fileUri(file), uriBaseId: SRCROOT },
            region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
          },
        },
      ],
      ...(f.related !== undefined && f.related.length > 0 && {
        relatedLocations: f.related.map(
          (r, i): Location => ({
            id: i + 1,
            physicalLocation: {
              artifactLocation: { uri: fileUri(displayPath(r.file, ctx.cwd)), uriBaseId: SRCROOT },
              region: { startLine: r.line, startColumn: r.column },
            },
            message: { text: r.message },
          }),
        ),
      }),
      partialFingerprints: { primaryLocationLineHash: fingerprint(f.ruleId, file, f.message, occurrences) },
    };
  });

  const informationUri = URL.canParse(ctx.docsUrl) ? ctx.docsUrl : undefined;
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'verblint',
            semanticVersion: ctx.version,
            ...(informationUri !== undefined && { informationUri }),
            rules: descriptors,
          },
        },
        automationDetails: { id: 'verblint/' },
        invocations: [{ executionSuccessful: true }],
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUrl(ctx.cwd) } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};

function descriptor(rule: AnyRule, docUrl: string | undefined): ReportingDescriptor {
  return {
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.description },
    fullDescription: { text: rule.description },
    help:
      docUrl !== undefined
        ? { text: `See ${docUrl}`, markdown: `[${rule.id}](${docUrl}): ${rule.description}` }
        : { text: rule.description, markdown: `**${rule.id}**: ${rule.description}` },
    ...(docUrl !== undefined && { helpUri: docUrl }),
    defaultConfiguration: { level: rule.severity },
    properties: {
      tags: [...rule.dialects, 'http-method'],
      precision: 'high',
      'problem.severity': rule.severity,
    },
  };
}

function unlistedDescriptor(id: string, severity: Severity): ReportingDescriptor {
  const text = `Findings that verblint reports as ${id}.`;
  return {
    id,
    name: id,
    shortDescription: { text },
    fullDescription: { text },
    help: { text },
    defaultConfiguration: { level: severity },
  };
}

/** A relative URI reference for a forward-slash path: each segment percent-encoded. */
function fileUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function directoryUrl(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/**
 * GitHub's own primaryLocationLineHash is a rolling hash over the source text
 * from the finding's line on. Formatters never see file text, so this one
 * hashes what the finding says instead: sha256 of `ruleId|file|message`, cut
 * to 16 hex digits, plus `:n` counting identical keys in order. It survives
 * edits that only move a finding to another line; it changes when the
 * message does (messages quote the offending value).
 */
function fingerprint(ruleId: string, file: string, message: string, seen: Map<string, number>): string {
  const key = `${ruleId}|${file}|${message}`;
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  return `${createHash('sha256').update(key).digest('hex').slice(0, 16)}:${n}`;
}
