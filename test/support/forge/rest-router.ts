/**
 * The small pieces every REST route of the double uses: a route table keyed by the swagger's path
 * templates, token authentication as Forgejo does it, Gitea-shaped errors and pagination with
 * `X-Total-Count` and `Link` headers (`page` from 1, `limit` default 30, at most 50).
 */
import type { UserRecord, ForgeState } from './state.js';
import type { ForgeFlavour } from './webhooks.js';

export interface ApiRequest {
  readonly method: string;
  /** The full request URL as the client used it (for `Link` headers). */
  readonly url: URL;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly user: UserRecord;
  /** How the user authenticated: a token (also as a Basic password), or Basic with their password. */
  readonly via: 'token' | 'password';
  /** The token's scopes; undefined when unscoped (a seeded user's token) or not a token. */
  readonly scopes: readonly string[] | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  /** A plain-text answer (a job's log), sent as it is instead of `body`. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (
  request: ApiRequest,
  params: Readonly<Record<string, string>>,
) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
}

/** `template` as in the swagger, under `/api/v1`: `/repos/{owner}/{repo}/issues/{index}`. */
export function route(method: string, template: string, handler: RouteHandler): Route {
  const names: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return name === 'index' || name === 'id' ? '(\\d+)' : '([^/]+)';
  });
  return { method, template, pattern: new RegExp(`^${source}$`), names, handler };
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (match === null) continue;
    const params: Record<string, string> = {};
    for (const [i, name] of candidate.names.entries()) params[name] = decodeURIComponent(match[i + 1] ?? '');
    return { route: candidate, params };
  }
  return undefined;
}

export const ok = (body: unknown, status = 200, headers?: Record<string, string>): ApiResponse => ({
  status,
  body,
  headers,
});

/** Gitea's `APIError` body. */
export function apiError(baseUrl: string, status: number, message: string): ApiResponse {
  return { status, body: { message, url: `${baseUrl}/api/swagger` } };
}

/**
 * The user a request authenticates as: `Authorization: token <PAT>` (Forgejo v9 takes only the
 * lower-case scheme; Gitea also `Token` and `Bearer`) or Basic with the token as password.
 * `undefined` when no credentials came, `'invalid'` when they match nobody.
 */
export function authenticate(
  header: string | undefined,
  state: ForgeState,
  flavour: ForgeFlavour,
): UserRecord | 'invalid' | undefined {
  const found = credentialsOf(header, state, flavour);
  return typeof found === 'object' ? found.user : found;
}

export interface Credentials {
  readonly user: UserRecord;
  readonly via: 'token' | 'password';
  readonly scopes: readonly string[] | undefined;
}

/** As `authenticate`, also saying how: Basic `login:password` authenticates with the password. */
export function credentialsOf(
  header: string | undefined,
  state: ForgeState,
  flavour: ForgeFlavour,
): Credentials | 'invalid' | undefined {
  if (header === undefined || header === '') return undefined;
  if (header.slice(0, 6).toLowerCase() === 'basic ') {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const login = decoded.slice(0, Math.max(0, decoded.indexOf(':')));
    const password = decoded.slice(decoded.indexOf(':') + 1);
    const user = login === '' ? undefined : state.user(login);
    if (user?.password !== undefined && password !== '' && user.password === password)
      return { user, via: 'password', scopes: undefined };
  }
  const token = tokenOf(header, flavour);
  if (token === undefined) return 'invalid';
  const user = state.userByToken(token);
  return user === undefined ? 'invalid' : { user, via: 'token', scopes: state.scopesOf(token) };
}

function tokenOf(header: string, flavour: ForgeFlavour): string | undefined {
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  let token: string | undefined;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    token = decoded.slice(decoded.indexOf(':') + 1);
  } else if (flavour === 'forgejo' ? scheme === 'token' : ['token', 'bearer'].includes(scheme.toLowerCase())) {
    token = value;
  }
  return token === '' ? undefined : token;
}

/**
 * The scope a request needs, as Gitea's `tokenRequiresScopes`: the category from the path, `read`
 * for GET and `write` otherwise; `write:x` includes `read:x`.
 */
export function requiredScope(method: string, path: string): string | undefined {
  const category = /^\/repos\/[^/]+\/[^/]+\/(issues|labels)(\/|$)/.test(path)
    ? 'issue'
    : path.startsWith('/repos/')
      ? 'repository'
      : path === '/user' || path.startsWith('/user/') || path.startsWith('/users/')
        ? 'user'
        : path.startsWith('/admin/')
          ? 'admin'
          : path.startsWith('/orgs/')
            ? 'organization'
            : undefined;
  if (category === undefined) return undefined;
  return `${method === 'GET' ? 'read' : 'write'}:${category}`;
}

export function scopeAllows(scopes: readonly string[], needed: string): boolean {
  if (scopes.includes('all') || scopes.includes(needed)) return true;
  const [level, category] = needed.split(':');
  return level === 'read' && scopes.includes(`write:${category}`);
}

export const MAX_LIMIT = 50;
const DEFAULT_LIMIT = 30;

/** One page of `items` and the headers Gitea sends with it. */
export function paginate<T>(items: readonly T[], request: ApiRequest): { page: T[]; headers: Record<string, string> } {
  const page = Math.max(1, Number.parseInt(request.query.get('page') ?? '', 10) || 1);
  const asked = Number.parseInt(request.query.get('limit') ?? '', 10);
  const limit = asked > 0 ? Math.min(asked, MAX_LIMIT) : DEFAULT_LIMIT;
  const last = Math.max(1, Math.ceil(items.length / limit));
  const link = (n: number, rel: string): string => {
    const url = new URL(request.url);
    url.searchParams.set('page', String(n));
    url.searchParams.set('limit', String(limit));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  const headers: Record<string, string> = {
    'x-total-count': String(items.length),
    'access-control-expose-headers': 'X-Total-Count, Link',
  };
  if (links.length > 0) headers.link = links.join(',');
  return { page: items.slice((page - 1) * limit, page * limit), headers };
}

/** `since`/`before` query values: RFC 3339, compared at whole seconds like Gitea's unix times. */
export function timeParam(request: ApiRequest, name: string): number | undefined | 'invalid' {
  const value = request.query.get(name);
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 'invalid' : Math.floor(ms / 1000);
}

export const seconds = (timestamp: string): number => Math.floor(Date.parse(timestamp) / 1000);

export function stringField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

export function arrayField(body: unknown, name: string): unknown[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return Array.isArray(value) ? value : undefined;
}
