/**
 * What a run record may keep of a prompt or a tool call: secrets known to the service are
 * replaced, and a tool's input is cut to one short line (the command, the path, the pattern).
 */
const REDACTED = '[redacted]';
const SUMMARY_CHARS = 160;

export function createRedactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a secret that contains another is replaced whole. Very short values would
  // redact ordinary words, and no real token is that short.
  const values = [...new Set(secrets)].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length);
  return (text) => values.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}

const SUMMARY_FIELDS = ['command', 'file_path', 'path', 'pattern', 'url', 'title', 'issue', 'number'];

export function summariseToolInput(_name: string, input: Record<string, unknown>): string {
  const parts = SUMMARY_FIELDS.filter((field) => input[field] !== undefined).map((field) => `${field}: ${String(input[field])}`);
  const line = (parts.length > 0 ? parts.join(', ') : JSON.stringify(input)).replace(/\s+/g, ' ');
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS - 1)}…` : line;
}
