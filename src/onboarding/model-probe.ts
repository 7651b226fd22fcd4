/** `claude-hooks doctor --model`: one tiny Messages API request with the configured credential. */
import type { ModelConfig } from '../config/types.js';
import type { CheckResult } from './doctor-checks.js';

export async function probeModel(model: ModelConfig | undefined): Promise<CheckResult> {
  if (model === undefined)
    return {
      ok: false,
      detail: 'no model credential is configured',
      fix: 'set model.credential (docs/configuration.md)',
    };
  const base = (model.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');
  const secret = model.credential.secret.reveal();
  const auth: Record<string, string> =
    model.credential.kind === 'api-key' ? { 'x-api-key': secret } : { authorization: `Bearer ${secret}` };
  try {
    const response = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { ...auth, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: model.name, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] }),
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    if (response.ok) return { ok: true, detail: `${model.name} answered` };
    if (response.status === 401 || response.status === 403)
      return {
        ok: false,
        detail: `the model API refused the credential (${response.status})`,
        fix: 'check model.credential: a valid API key (or OAuth token with credentialKind oauth-token)',
      };
    return {
      ok: false,
      detail: `the model API answered ${response.status}`,
      fix: `check model.name (${model.name}) and model.baseUrl`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: `no answer from ${base}: ${(error as Error).message}`,
      fix: 'check model.baseUrl and the network',
    };
  }
}
