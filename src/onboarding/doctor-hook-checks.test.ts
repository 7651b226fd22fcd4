/**
 * doctor's check of the webhook's check events, against the forge double of each kind: a hook
 * with them passes, one without them passes with a warning and the fix — never a ✗, since the
 * poller's catch-up still reads the checks.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startForgeDouble, type ForgeDouble } from '../../test/support/forge/forge-double.js';
import { doctorChecks, type DoctorInput } from './doctor-checks.js';
import { createOnboardingClient } from './gitea-onboarding-client.js';
import { HOOK_EVENTS, hookEventsFor, type HookForgeKind } from './hook-events.js';

const HOOK_URL = 'http://hooks.example.test/webhook';

const KINDS: ReadonlyArray<{ kind: HookForgeKind; events: string; fix: RegExp }> = [
  {
    kind: 'gitea',
    events: 'status, workflow_run, workflow_job',
    fix: /^tick them in the forge's webhook settings .*, or run `claude-hooks init` again, which adds them$/,
  },
  {
    kind: 'forgejo',
    events: 'action_run_failure, action_run_success, action_run_recover',
    fix: /^tick them in the forge's webhook settings \(its API sets them only on a new hook/,
  },
];

for (const { kind, events, fix } of KINDS) {
  describe(`doctor's check of the check events on ${kind}`, () => {
    let forge: ForgeDouble;
    let dir: string;
    let input: DoctorInput;
    const checkEvents = async (repo: string) => {
      const title = `webhook on ${repo} sends the check events (${events})`;
      const check = doctorChecks(input).find((candidate) => candidate.title === title);
      return (await check?.run()) ?? assert.fail(`no check titled ${title}`);
    };

    before(async () => {
      forge = await startForgeDouble({ webhookSecret: '', flavour: kind, checkOpenApi: true });
      for (const name of ['widget', 'gadget', 'bare']) await forge.createRepo('acme', name);
      dir = await mkdtemp(join(tmpdir(), 'doctor-hook-checks-'));
      const forgeAs = (token: string) => createOnboardingClient({ baseUrl: forge.url, token });
      const root = forgeAs(forge.addUser('root', { admin: true }).token);
      await root.createHook({ repo: 'acme/widget' }, { url: HOOK_URL, secret: 's', events: HOOK_EVENTS });
      await root.createHook({ repo: 'acme/gadget' }, { url: HOOK_URL, secret: 's', events: hookEventsFor(kind) });
      input = {
        forgeKind: kind,
        agents: [],
        repositories: ['acme/widget', 'acme/gadget', 'acme/bare'],
        hookUrl: HOOK_URL,
        serviceUrl: 'http://127.0.0.1:1',
        forgeAs,
        hookReader: root,
        service: { reachable: async () => true, deliveries: async () => [], signatureRejections: async () => 0 },
        dataDir: dir,
        minFreeBytes: 0,
        gitVersion: async () => '2.43.0',
        deliveryTimeoutMs: 100,
        sleep: async () => undefined,
        now: () => Date.now(),
      };
    });
    after(async () => {
      await forge.close();
      await rm(dir, { recursive: true, force: true });
      assert.deepEqual(forge.openApiViolations(), []);
    });

    it('warns, naming the missing events, their cost and the fix, when the hook sends only the needed ones', async () => {
      const result = await checkEvents('acme/widget');

      assert.equal(result.ok, true);
      assert.match(
        result.detail,
        new RegExp(
          `^warning: hook \\d+ of acme/widget does not send ${events}: a failing check reaches dev only when the poller's catch-up reads the statuses`,
        ),
      );
      assert.match(result.fix ?? '', fix);
    });

    it('passes when the hook sends them', async () => {
      const result = await checkEvents('acme/gadget');

      assert.equal(result.ok, true);
      assert.match(result.detail, /^hook \d+ of acme\/gadget$/);
      assert.equal(result.fix, undefined);
    });

    it('passes without a word when there is no webhook, which the checks before it fail on', async () => {
      const result = await checkEvents('acme/bare');

      assert.deepEqual(result, { ok: true, detail: 'no webhook to the service (see above)' });
    });
  });
}
