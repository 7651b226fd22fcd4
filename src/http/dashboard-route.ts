/**
 * The dashboard: `GET /` (sign-in form, or the page), `GET /api/status` (the same data as JSON),
 * `GET /dashboard/runs/:id`, and the POST actions. Nothing about repositories, prompts or costs
 * is shown without the admin token: the browser signs in once and carries a signed, expiring
 * `HttpOnly; SameSite=Strict` cookie; `/api/status` also takes `Authorization: Bearer`. Every
 * action needs the session's CSRF token and is done only after a confirmation step.
 */
import { bearerToken, tokenDigest, tokenMatches } from '../lib/token-match.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONTENT_SECURITY_POLICY, REFRESH_SCRIPT, STYLE } from '../dashboard/assets.js';
import { planAction } from '../dashboard/action-forms.js';
import type { SafeHtml } from '../dashboard/html.js';
import { dashboardPage, statusSections } from '../dashboard/page.js';
import { confirmPage, resultPage, runPage, signInPage } from '../dashboard/pages.js';
import type { DashboardActions } from '../dashboard/ports.js';
import { createDashboardSessions } from '../dashboard/session-cookie.js';
import { loadStatus, type StatusSources } from '../dashboard/status-model.js';
import type { Clock } from '../lib/clock.js';
import type { Secret } from '../lib/secret.js';
import type { RunRecords } from '../sessions/ports.js';

export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;
const FORM_LIMIT_BYTES = 16 * 1024;

export interface DashboardRouteOptions {
  readonly adminToken: Secret | undefined;
  readonly status: StatusSources;
  readonly runs: Pick<RunRecords, 'get'>;
  readonly actions: DashboardActions;
  readonly clock: Clock;
  /** Adds `Secure` to the cookie (the service is reached over https: `server.publicUrl`). */
  readonly secureCookie?: boolean;
  readonly sessionTtlMs?: number;
}

type Form = Record<string, string>;

export function dashboardRoute(options: DashboardRouteOptions) {
  const token = options.adminToken?.reveal();
  const sessions = token
    ? createDashboardSessions({
        adminToken: token,
        ttlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
        secure: options.secureCookie ?? false,
      })
    : undefined;
  const tokenHash = token ? tokenDigest(token) : undefined;
  const now = () => options.clock.now();
  const sessionOf = (request: FastifyRequest) => sessions?.verify(request.headers.cookie, now());

  return (app: FastifyInstance) => {
    // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin (its documented form)
    void app.register(async (scope) => {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
        (_request, body, done) => {
          done(null, Object.fromEntries(new URLSearchParams(body as string)));
        },
      );

      scope.get('/dashboard/style.css', async (_request, reply) =>
        reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=300').send(STYLE),
      );
      scope.get('/dashboard/refresh.js', async (_request, reply) =>
        reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(REFRESH_SCRIPT),
      );

      scope.get<{ Querystring: { part?: string } }>('/', async (request, reply) => {
        const session = sessionOf(request);
        if (!session) {
          if (request.query.part) return reply.code(401).send({ error: 'sign in first', reason: 'unauthorized' });
          return sendHtml(reply, signInPage({ enabled: sessions !== undefined }));
        }
        const status = await loadStatus(options.status, now());
        return sendHtml(
          reply,
          request.query.part === 'status' ? statusSections(status, session.csrf) : dashboardPage(status, session.csrf),
        );
      });

      scope.get('/api/status', async (request, reply) => {
        if (!sessions)
          return reply.code(403).send({
            error: 'the operator API is disabled: set CLAUDE_HOOKS_ADMIN_TOKEN (adminToken) to enable it',
            reason: 'no-admin-token',
          });
        if (
          !sessionOf(request) &&
          !(tokenHash && tokenMatches(bearerToken(request.headers.authorization), tokenHash))
        ) {
          return reply.code(401).send({
            error:
              'missing or wrong admin token: send "Authorization: Bearer <CLAUDE_HOOKS_ADMIN_TOKEN>" or sign in at /',
            reason: 'unauthorized',
          });
        }
        return reply.header('cache-control', 'no-store').send(await loadStatus(options.status, now()));
      });

      scope.get<{ Params: { id: string } }>('/dashboard/runs/:id', async (request, reply) => {
        if (!sessionOf(request)) return reply.redirect('/', 303);
        const id = Number(request.params.id);
        if (!Number.isInteger(id) || id < 1)
          return sendHtml(
            reply,
            resultPage({ ok: false, message: `run id must be a positive whole number, got "${request.params.id}"` }),
            400,
          );
        const run = await options.runs.get(id);
        if (!run) return sendHtml(reply, resultPage({ ok: false, message: `no run ${id}` }), 404);
        const events = await options.status.reads.eventsOfJob(run.jobId);
        const [host, ...rest] = run.key.repo.split('/');
        const base = options.status.forgeUrl?.replace(/\/+$/, '') ?? `https://${host}`;
        return sendHtml(
          reply,
          runPage(run, events, `${base}/${rest.map(encodeURIComponent).join('/')}/issues/${run.key.issue}`),
        );
      });

      scope.post<{ Body: Form | undefined }>('/dashboard/sign-in', async (request, reply) => {
        if (!sessions || !tokenHash) return sendHtml(reply, signInPage({ enabled: false }), 403);
        const given = formOf(request).token ?? '';
        if (!tokenMatches(given, tokenHash))
          return sendHtml(
            reply,
            signInPage({ enabled: true, error: 'That is not the admin token (CLAUDE_HOOKS_ADMIN_TOKEN).' }),
            401,
          );
        return reply.header('set-cookie', sessions.issue(now()).cookie).redirect('/', 303);
      });

      scope.post<{ Body: Form | undefined }>('/dashboard/sign-out', async (request, reply) => {
        const session = sessionOf(request);
        if (!sessions || !session || !sessions.checkCsrf(session, formOf(request).csrf))
          return sendHtml(
            reply,
            resultPage({ ok: false, message: 'not signed in, or the form is stale: reload the page' }),
            403,
          );
        return reply.header('set-cookie', sessions.clearCookie).redirect('/', 303);
      });

      scope.post<{ Params: { action: string }; Body: Form | undefined }>(
        '/dashboard/actions/:action',
        async (request, reply) => {
          const session = sessionOf(request);
          if (!sessions || !session)
            return sendHtml(
              reply,
              resultPage({ ok: false, message: 'sign in first: actions need the admin session' }),
              401,
            );
          const form = formOf(request);
          if (!sessions.checkCsrf(session, form.csrf))
            return sendHtml(
              reply,
              resultPage({ ok: false, message: 'missing or wrong CSRF token: reload the dashboard and try again' }),
              403,
            );
          const { csrf: _csrf, confirm, ...fields } = form;
          const planned = planAction(request.params.action, fields, options.actions);
          if (!planned.ok) return sendHtml(reply, resultPage({ ok: false, message: planned.error }), 400);
          if (confirm !== 'yes')
            return sendHtml(
              reply,
              confirmPage({
                action: request.params.action,
                question: planned.value.question,
                csrf: session.csrf,
                fields: planned.value.fields,
              }),
            );
          const result = await planned.value.run();
          request.log.info(
            { action: request.params.action, ok: result.ok, detail: result.message },
            'dashboard action',
          );
          return sendHtml(reply, resultPage(result), result.ok ? 200 : 409);
        },
      );
    });
  };
}

function sendHtml(reply: FastifyReply, page: SafeHtml, status = 200) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(page.text);
}

function formOf(request: FastifyRequest): Form {
  const body = request.body;
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? (body as Form) : {};
}
