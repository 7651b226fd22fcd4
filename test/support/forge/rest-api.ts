/**
 * The double's REST API under `/api/v1`: reads the request, authenticates it, runs the route and
 * answers with compact JSON as Gitea does. When a checker is given, the request as received and
 * the response as sent are both checked against the real swagger, and what does not fit is
 * reported — a test then asserts that nothing was. A request whose answer is to be lost is run
 * as any other (its changes made, its webhooks sent) and its connection then destroyed unanswered.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenApiChecker, OpenApiViolation } from './openapi-check.js';
import { ForgeRefusal, STATUS_OF_REFUSAL, type OperationContext } from './operation-context.js';
import { issueRoutes } from './rest-issue-routes.js';
import { pullRoutes } from './rest-pull-routes.js';
import { adminRoutes } from './rest-admin-routes.js';
import { protectionRoutes } from './rest-protection-routes.js';
import { ciRoutes } from './rest-ci-routes.js';
import { apiError, credentialsOf, matchRoute, requiredScope, scopeAllows, type ApiResponse } from './rest-router.js';

export interface RestApiOptions {
  readonly ctx: OperationContext;
  readonly checker?: OpenApiChecker;
  readonly onViolations: (violations: readonly OpenApiViolation[]) => void;
  readonly onError: (error: unknown) => void;
}

export const API_PREFIX = '/api/v1';

/** `lose`: run the request, then drop the connection without an answer (a reply lost on the way). */
export type AnswerFate = 'send' | 'lose';

export function createRestApi(
  options: RestApiOptions,
): (req: IncomingMessage, res: ServerResponse, fate?: AnswerFate) => void {
  const { ctx } = options;
  const routes = [
    ...issueRoutes(ctx),
    ...pullRoutes(ctx),
    ...adminRoutes(ctx),
    ...protectionRoutes(ctx),
    ...ciRoutes(ctx),
  ];
  const baseUrl = ctx.render.baseUrl;

  async function answer(
    req: IncomingMessage,
    url: URL,
    raw: string,
  ): Promise<{ response: ApiResponse; body: unknown }> {
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      return { response: apiError(baseUrl, 422, 'request body is not JSON'), body: raw };
    }
    const credentials = credentialsOf(req.headers.authorization, ctx.state, ctx.flavour);
    if (credentials === undefined) return { response: apiError(baseUrl, 401, 'token is required'), body };
    if (credentials === 'invalid')
      return { response: apiError(baseUrl, 401, 'invalid username, password or token'), body };
    const { user, via, scopes } = credentials;
    const method = req.method ?? 'GET';
    const needed = requiredScope(method, url.pathname.slice(API_PREFIX.length));
    if (scopes !== undefined && needed !== undefined && !scopeAllows(scopes, needed)) {
      return {
        response: apiError(baseUrl, 403, `token does not have at least one of required scope(s): [${needed}]`),
        body,
      };
    }
    const found = matchRoute(routes, method, url.pathname.slice(API_PREFIX.length));
    if (found === undefined)
      return {
        response: apiError(baseUrl, 404, `the forge double does not implement ${method} ${url.pathname}`),
        body,
      };
    try {
      const response = await found.route.handler(
        { method, url, query: url.searchParams, body, user, via, scopes },
        found.params,
      );
      return { response, body };
    } catch (error) {
      if (error instanceof ForgeRefusal)
        return { response: apiError(baseUrl, STATUS_OF_REFUSAL[error.kind], error.message), body };
      options.onError(error);
      return { response: apiError(baseUrl, 500, error instanceof Error ? error.message : String(error)), body };
    }
  }

  return (req, res, fate = 'send') => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', baseUrl);
      void answer(req, url, Buffer.concat(chunks).toString('utf8')).then(({ response, body }) => {
        if (fate === 'lose') {
          res.destroy();
          return;
        }
        const text = response.text ?? (response.body === undefined ? '' : JSON.stringify(response.body));
        const contentType =
          response.text === undefined ? 'application/json;charset=utf-8' : 'text/plain; charset=utf-8';
        res.writeHead(response.status, {
          ...(text === '' ? {} : { 'content-type': contentType }),
          ...response.headers,
        });
        res.end(text);
        if (options.checker !== undefined) check(options.checker, options.onViolations, req, url, body, response);
      });
    });
  };
}

function check(
  checker: OpenApiChecker,
  report: (violations: readonly OpenApiViolation[]) => void,
  req: IncomingMessage,
  url: URL,
  body: unknown,
  response: ApiResponse,
): void {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const request = { method: req.method ?? 'GET', path: url.pathname, query, headers: req.headers, body };
  const violations = [
    ...checker.checkRequest(request),
    ...checker.checkResponse(request, { status: response.status, body: response.body }),
  ];
  if (violations.length > 0) report(violations);
}
