/**
 * What a run record may keep of a tool call: one short line of its input (the command, the path,
 * the pattern). Secrets are taken out by the service's redactor (`lib/redactor.ts`) afterwards.
 */
const SUMMARY_CHARS = 160;

const SUMMARY_FIELDS = ['command', 'file_path', 'path', 'pattern', 'url', 'title', 'issue', 'number'];

export function summariseToolInput(_name: string, input: Record<string, unknown>): string {
  const parts = SUMMARY_FIELDS.filter((field) => input[field] !== undefined).map(
    (field) => `${field}: ${String(input[field])}`,
  );
  const line = (parts.length > 0 ? parts.join(', ') : JSON.stringify(input)).replace(/\s+/g, ' ');
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS - 1)}…` : line;
}
