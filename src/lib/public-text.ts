/**
 * Text the service shows to people who are not its operator — a status comment on the forge,
 * `/readyz` — must not draw a map of its insides: which gateway it talks to, on which port, where
 * its data dir is. `scrubPublicText` replaces addresses (URLs, `host:port`, IPv4 and IPv6
 * addresses, the address after a socket error code) with `[internal address]` and absolute
 * filesystem paths with `[path]`; the rest of the sentence — what failed, and why — stays.
 * The operator keeps the full text: run records and logs are redacted of secrets, not of hosts.
 *
 * Request paths on an API (`GET /repos/acme/widget`, `/api/v1`) are the forge's public routes,
 * not the service's disk, and are kept.
 */

export const INTERNAL_ADDRESS = '[internal address]';
export const PATH = '[path]';

type Rule = readonly [RegExp, (match: string, ...groups: string[]) => string];

/** Sentence punctuation after a URL or path belongs to the sentence, not to the address. */
function keepingTrailingPunctuation(replacement: string) {
  return (match: string) => `${replacement}${/[.,;:!?]+$/.exec(match)?.[0] ?? ''}`;
}

/** The resolver's codes, after which Node names the host it could not resolve. */
const RESOLVER_ERRORS = 'ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL';

/** `login.ts:12` is a file and its line, not a host and its port. */
const SOURCE_FILE =
  /\.(?:[cm]?[jt]sx?|json[l5]?|md|ya?ml|toml|txt|py|go|rs|rb|java|kt|c|h|cc|cpp|hpp|cs|php|sh|sql|css|scss|html?|lock|log)$/i;

const HTTP_METHOD = 'GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS';

/**
 * Applied in order: a later rule never sees what an earlier one replaced (the placeholders have no
 * `:`, `/` or digit), and the broad ones (URLs) go before the parts they contain (`host:port`).
 */
const RULES: readonly Rule[] = [
  // Any scheme: http(s), postgres, redis, ws, unix, file…
  [/(?<![\w+.-])[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>()[\]{}]*/gi, keepingTrailingPunctuation(INTERNAL_ADDRESS)],
  // An scp-like git remote: git@forge.internal:acme/widget.git.
  [/(?<![\w.-])[\w.-]+@[a-z0-9][a-z0-9.-]*:[\w.~-][\w./~-]*/gi, keepingTrailingPunctuation(INTERNAL_ADDRESS)],
  // `getaddrinfo ENOTFOUND forge.internal`: a bare host name is only recognisable by what precedes it.
  [
    new RegExp(`\\b(${RESOLVER_ERRORS})(\\s+)[a-z0-9][a-z0-9.-]*`, 'gi'),
    (_match, code = '', space = '') => `${code}${space}${INTERNAL_ADDRESS}`,
  ],
  // Bracketed IPv6, with or without a port: [::1]:4321.
  [/\[[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*(?:%[\w.]+)?\](?::\d{1,5})?/gi, () => INTERNAL_ADDRESS],
  // IPv6 written bare: it has a `::` or all eight groups (times like 12:30:45 have neither); Node
  // writes a port after it with one more colon.
  [
    /(?<![\w:.])(?=[0-9a-f:.]*::|(?:[0-9a-f]{1,4}:){7})(?:[0-9a-f]{0,4}:){2,8}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{1,4})?(?:%[\w.]+)?(?![\w:])/gi,
    () => INTERNAL_ADDRESS,
  ],
  // Absolute paths (a unix socket, the data dir, a file in it), with a :line:column after a file.
  [
    new RegExp(`(?<![\\w.~\\-/\\]]|(?:${HTTP_METHOD}) )(?!/api/)~?(?:/[^\\s/'"\`<>()[\\]{},;:|*]+)+/?(?::\\d+)*`, 'g'),
    keepingTrailingPunctuation(PATH),
  ],
  // Windows paths: C:\ProgramData\claude-hooks.
  [/\b[a-z]:\\[^\s'"`<>|*]*/gi, keepingTrailingPunctuation(PATH)],
  // IPv4, with or without a port.
  [/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?!\w|\.\d)/g, () => INTERNAL_ADDRESS],
  // host:port — a name starting with a letter (`localhost`, `db`, `gateway.internal`) and a port of
  // two to five digits; not a time (`T03:00:00`), the `issue:3` of a sentence, or `src/login.ts:12`.
  [
    /(?<![\w.@/-])([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):(\d{2,5})(?![\w:]|\.\d)/gi,
    (match, host = '', port = '') => (Number(port) <= 65_535 && !SOURCE_FILE.test(host) ? INTERNAL_ADDRESS : match),
  ],
];

export function scrubPublicText(text: string): string {
  return RULES.reduce((out, [pattern, replace]) => out.replace(pattern, replace), text);
}
