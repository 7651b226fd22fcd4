/**
 * The dashboard's other pages: sign-in, an action's confirmation step and its result, one run.
 * Pure functions of their inputs, through `html`.
 */
import { MAX_BLOCKED_HOSTS, type RunBlocked, type RunIsolation, type RunRecord } from '../sessions/ports.js';
import { html, type SafeHtml } from './html.js';
import { formatUsd } from '../lib/format-usd.js';
import { isoSeconds } from '../lib/format-time.js';
import { duration, layout } from './page.js';
import type { AnsweredEvent } from './ports.js';

export function signInPage(options: { readonly enabled: boolean; readonly error?: string }): SafeHtml {
  const body = options.enabled
    ? html`<form method="post" action="/dashboard/sign-in" class="sign-in"><label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label><button>Sign in</button></form>`
    : html`<p>The dashboard is disabled: set CLAUDE_HOOKS_ADMIN_TOKEN (adminToken) to enable it.</p>`;
  return layout(
    'claude-hooks — sign in',
    html`<main class="narrow"><h1>claude-hooks</h1>${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}${body}</main>`,
  );
}

export function confirmPage(options: {
  readonly action: string;
  readonly question: string;
  readonly csrf: string;
  readonly fields: Readonly<Record<string, string>>;
}): SafeHtml {
  return layout(
    'claude-hooks — confirm',
    html`<main class="narrow"><h1>Confirm</h1><p>${options.question}</p>
<form method="post" action="/dashboard/actions/${options.action}"><input type="hidden" name="csrf" value="${options.csrf}"><input type="hidden" name="confirm" value="yes">${Object.entries(
      options.fields,
    ).map(
      ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
    )}<button>Yes, do it</button> <a href="/">Cancel</a></form></main>`,
  );
}

export function resultPage(options: { readonly ok: boolean; readonly message: string }): SafeHtml {
  return layout(
    'claude-hooks',
    html`<main class="narrow"><h1>${options.ok ? 'Done' : 'Not done'}</h1><p class="${options.ok ? 'ok' : 'error'}">${options.message}</p><p><a href="/">Back to the dashboard</a></p></main>`,
  );
}

export function runPage(run: RunRecord, events: readonly AnsweredEvent[], issueUrl: string): SafeHtml {
  return layout(
    `claude-hooks — run ${run.id}`,
    html`<main><p><a href="/">← dashboard</a></p><h1>Run #${run.id}</h1>
<table>
<tr><th>agent</th><td>${run.key.agent}</td></tr>
<tr><th>issue</th><td><a href="${issueUrl}">${run.key.repo}#${run.key.issue}</a></td></tr>
<tr><th>job</th><td>${run.jobId} (attempt ${run.attempt})</td></tr>
<tr><th>started</th><td>${isoSeconds(run.startedAt)}</td></tr>
<tr><th>outcome</th><td>${run.outcome ?? 'running or interrupted'}${run.error ? html` — ${run.error}` : ''}</td></tr>
<tr><th>duration</th><td>${run.durationMs === undefined ? '' : duration(run.durationMs)}</td></tr>
<tr><th>cost</th><td>${formatUsd(run.costUsd ?? 0)} · ${run.turns ?? 0} turns</td></tr>
<tr><th>session</th><td>${run.session ?? ''} ${run.sessionId ?? ''}${run.resumeFallback ? html` (fell back: ${run.resumeFallback})` : ''}</td></tr>
</table>
<h2>Sandbox</h2>
${isolationLine(run.isolation)}
${run.isolation === 'none' ? '' : blockedList(run.blocked)}
<h2>Events answered</h2>
<ul>${events.length > 0 ? events.map((e) => html`<li>#${e.id} ${e.type} (${e.trigger}) · delivery ${e.deliveryId} · ${isoSeconds(e.receivedAt)}</li>`) : html`<li class="muted">none recorded</li>`}</ul>
<h2>Prompt${run.prompt ? html` (${run.prompt.kind}, ${run.prompt.bytes} bytes, secrets redacted)` : ''}</h2>
${run.prompt ? html`<pre class="prompt">${run.prompt.text}</pre>` : html`<p class="muted">not recorded</p>`}
<h2>Tool calls</h2>
<ol>${(run.toolCalls ?? []).map((t) => html`<li><code>${t.name}</code> ${t.summary}</li>`)}</ol>
<h2>Changes on the forge</h2>
<ul>${(run.changes ?? []).length > 0 ? (run.changes ?? []).map((c) => html`<li>${c.kind} #${c.number}: ${c.url ? html`<a href="${c.url}">${c.summary}</a>` : c.summary}</li>`) : html`<li class="muted">none</li>`}</ul>
</main>`,
  );
}

/** A run that was not sandboxed is a warning, not a detail: it could reach everything the service can. */
function isolationLine(isolation: RunIsolation | undefined): SafeHtml {
  if (isolation === 'none')
    return html`<p id="isolation" class="warning" role="alert"><strong>isolation: none — this run was not sandboxed</strong></p>`;
  if (isolation === 'bwrap') return html`<p id="isolation">isolation: bwrap</p>`;
  return html`<p id="isolation" class="muted">isolation: not recorded (the run is from before runs were sandboxed)</p>`;
}

/**
 * What the run's proxies refused: only the non-zero figures, and nothing for a run with no record
 * of it (nor for an unsandboxed one, which had no proxy to refuse anything).
 */
function blockedList(blocked: RunBlocked | undefined): SafeHtml {
  if (!blocked) return html``;
  if (blocked.connections === 0 && blocked.pushes === 0)
    return html`<p id="blocked" class="muted">Nothing was refused.</p>`;
  const hosts =
    blocked.hosts.length === 0
      ? ''
      : html`: ${blocked.hosts.join(', ')}${blocked.hosts.length >= MAX_BLOCKED_HOSTS ? ` (the first ${MAX_BLOCKED_HOSTS} hosts)` : ''}`;
  return html`<ul id="blocked">
${blocked.connections > 0 ? html`<li>${plural(blocked.connections, 'connection')} refused by the egress proxy${hosts}</li>` : ''}
${blocked.pushes > 0 ? html`<li>${plural(blocked.pushes, 'push', 'pushes')} refused by the git proxy</li>` : ''}
</ul>`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
