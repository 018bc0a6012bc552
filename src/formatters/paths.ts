// Shared helpers for how formatters print paths and messages.

/**
 * A finding's file as the formats show it: forward slashes, relative to `cwd`.
 * Findings already are; this only guards against an absolute path inside cwd.
 */
export function displayPath(file: string, cwd: string): string {
  const path = file.replaceAll('\\', '/');
  const base = cwd.replaceAll('\\', '/').replace(/\/+$/, '');
  return base !== '' && path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path;
}

/** Line-based formats keep one finding on one line. */
export function oneLine(message: string): string {
  return message.replace(/\r\n|\r|\n/g, ' ');
}

/** The rule's doc page, or undefined when the CLI has no absolute docs URL to offer. */
export function ruleDocUrl(docsUrl: string, ruleId: string): string | undefined {
  const url = `${docsUrl}${ruleId}.md`;
  return URL.canParse(url) ? url : undefined;
}
