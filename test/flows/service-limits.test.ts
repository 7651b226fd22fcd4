import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { deliveryIdFor } from '../support/payloads.js';
import { openRaw, postHead } from '../support/raw-http.js';
import { spawnService } from '../support/service-process.js';

const MiB = 1024 * 1024;

/** Resident memory now (`VmRSS`) or at its peak so far (`VmHWM`), from /proc. */
function rssBytes(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${which}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

/** One unsigned 5 MiB delivery: sent whole, or abandoned after `abandonAfter` bytes. */
async function unsignedDelivery(url: string, body: Buffer, abandonAfter?: number): Promise<string> {
  const client = await openRaw(url);
  const head = postHead('/webhook', {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-forgejo-delivery': deliveryIdFor(String(Math.random())),
    'x-forgejo-event': 'issues',
    'x-forgejo-signature': '',
  });
  client.socket.write(head);
  client.socket.write(abandonAfter === undefined ? body : body.subarray(0, abandonAfter), () => {
    if (abandonAfter !== undefined) client.socket.destroy();
  });
  const answer = await Promise.race([client.closed(), sleep(15_000).then(() => 'no answer')]);
  client.socket.destroy();
  return answer;
}

describe('the service process under hostile clients', () => {
  it('stays under 300 MiB of RSS after 400 unsigned 5 MiB bodies, half of them abandoned half-way', async () => {
    const service = await spawnService({
      dataDir: mkdtempSync(join(tmpdir(), 'claude-hooks-limits-')),
      env: { CLAUDE_HOOKS_WEBHOOK_SECRET: 's3cret' },
    });
    const body = Buffer.alloc(5 * MiB - 1024, ' ');
    try {
      const before = rssBytes(service.child.pid!);
      const answers: string[] = [];
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 400 }, (_, i) =>
            unsignedDelivery(service.url, body, i % 2 === 0 ? undefined : 2.5 * MiB),
          ),
        )),
      );
      await sleep(500);
      const after = rssBytes(service.child.pid!);
      const peak = rssBytes(service.child.pid!, 'VmHWM');
      const health = await fetch(`${service.url}/healthz`);

      assert.equal(health.status, 200);
      assert.equal(answers.filter((a) => a === 'no answer').length, 0, 'every connection was closed');
      assert.ok(
        peak < 300 * MiB,
        `RSS went from ${Math.round(before / MiB)} MiB to a peak of ${Math.round(peak / MiB)} MiB (${Math.round(after / MiB)} MiB after)`,
      );
    } finally {
      service.child.kill('SIGTERM');
      await service.exited();
    }
  });
});
