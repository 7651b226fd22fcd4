/** The page's POST form for one action: the server answers it with a confirmation step before doing it. */
import { html, type SafeHtml } from './html.js';

export function actionForm(
  csrf: string,
  action: string,
  fields: Readonly<Record<string, string>>,
  label: string,
): SafeHtml {
  return html`<form class="action" method="post" action="/dashboard/actions/${action}"><input type="hidden" name="csrf" value="${csrf}">${Object.entries(
    fields,
  ).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button>${label}</button></form>`;
}
