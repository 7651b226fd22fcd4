/**
 * The start-up token check, told through the forge double and the real service: a wrong token or
 * login stops the service from starting and names the agent; an unreachable forge lets it start
 * and `/readyz` says so; `claude-hooks config check --online` runs the same check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AgentCheckError } from '../../src/forge/check-agents.js';
import { ADMIN_TOKEN, startFlow, startScene, WEBHOOK_SECRET } from '../support/flow.js';
import { CLI } from '../support/service-process.js';

/** A loopback URL nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('agent token check at start-up', () => {
  it('refuses to start when an agent’s token is refused, naming the agent', async () => {
    const scene = await startScene();
    try {
      await assert.rejects(startFlow({ scene, tokens: { dev: 'not-dev-s-token' } }), (error: unknown) => {
        assert.ok(error instanceof AgentCheckError);
        assert.deepEqual(
          error.problems.map((p) => p.agent),
          ['dev'],
        );
        assert.match(error.message, /agent "dev": the forge refused its token \(401\)/);
        return true;
      });
    } finally {
      await scene.forge.close();
    }
  });

  it('refuses to start when an agent’s token belongs to another user, naming both', async () => {
    const scene = await startScene();
    try {
      await assert.rejects(
        startFlow({ scene, tokens: { reviewer: scene.tokens.alice! } }),
        /agent "reviewer": its token belongs to forge user "alice", but agents\.reviewer\.login is "reviewer"/,
      );
    } finally {
      await scene.forge.close();
    }
  });

  it('starts when the forge is unreachable, and /readyz says "forge unreachable"', async () => {
    const flow = await startFlow({ forgeUrl: await closedPortUrl() });
    try {
      const response = await fetch(`${flow.service.url}/readyz`);
      const body = (await response.json()) as { checks: Record<string, { ok: boolean; detail: string }> };

      assert.equal(response.status, 503);
      assert.equal(body.checks.forge?.ok, false);
      assert.match(body.checks.forge?.detail ?? '', /^forge unreachable: agent "boss": /);
    } finally {
      await flow.close();
    }
  });

  it('is ready when every agent’s token is accepted', async () => {
    const flow = await startFlow();
    try {
      const body = (await (await fetch(`${flow.service.url}/readyz`)).json()) as {
        checks: Record<string, { ok: boolean; detail: string }>;
      };

      assert.deepEqual(body.checks.forge, { ok: true, detail: '3 agent token(s) accepted by the forge' });
    } finally {
      await flow.close();
    }
  });
});

describe('claude-hooks config check --online', () => {
  const run = async (configPath: string, env: Record<string, string>) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [CLI, 'config', 'check', '--online', '--config', configPath],
        { env: { PATH: process.env.PATH, ...env } },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  it('accepts the agents’ tokens, and fails naming the agent whose token is wrong', async () => {
    const flow = await startFlow();
    await flow.stopService();
    try {
      const configPath = join(flow.dataDir, 'claude-hooks.yaml');
      const env = {
        FLOW_WEBHOOK_SECRET: WEBHOOK_SECRET,
        FLOW_ADMIN_TOKEN: ADMIN_TOKEN,
        BOSS_TOKEN: flow.tokens.boss!,
        DEV_TOKEN: flow.tokens.dev!,
        REVIEWER_TOKEN: flow.tokens.reviewer!,
      };

      const good = await run(configPath, env);
      const bad = await run(configPath, { ...env, DEV_TOKEN: 'wrong' });

      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /online check: 3 of 3 agent token\(s\) accepted/);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /error: agent "dev": the forge refused its token \(401\)/);
      assert.doesNotMatch(bad.stdout + bad.stderr, new RegExp(flow.tokens.boss!), 'no token is printed');
    } finally {
      await flow.close();
    }
  });
});
