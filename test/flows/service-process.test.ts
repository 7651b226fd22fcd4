import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deliveryHeaders, deliveryIdFor, loadSamplePayload } from '../support/payloads.js';
import { CLI, spawnService } from '../support/service-process.js';

const temp = () => mkdtempSync(join(tmpdir(), 'claude-hooks-process-'));

describe('the claude-hooks service process', () => {
  it('starts on embedded defaults, generates a webhook secret once, prints it with the URL, and uses it', async (t) => {
    const dataDir = temp();

    const first = await spawnService({ dataDir });
    t.after(() => first.stop());
    const secret = readFileSync(join(dataDir, 'webhook-secret'), 'utf8').trim();
    const sample = loadSamplePayload('gitea-issues-opened', { secret, forge: 'forgejo' });
    const accepted = await fetch(`${first.url}/webhook`, {
      method: 'POST',
      headers: sample.headers,
      body: sample.body,
    });
    first.child.kill('SIGTERM');
    const firstExit = await first.exited();
    const second = await spawnService({ dataDir });
    t.after(() => second.stop());
    second.child.kill('SIGTERM');
    await second.exited();

    assert.equal(accepted.status, 202);
    assert.equal(firstExit, 0, 'a SIGTERM is a clean stop');
    assert.match(first.stdout(), new RegExp(`Secret: +${secret}`));
    assert.match(first.stdout(), /Target URL: +http:\/\/127\.0\.0\.1:\d+\/webhook/);
    assert.equal(statSync(join(dataDir, 'webhook-secret')).mode & 0o777, 0o600);
    assert.doesNotMatch(second.stdout(), new RegExp(secret), 'the secret is printed on first start only');
    assert.doesNotMatch(
      first
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .join('\n'),
      new RegExp(secret),
      'and never in a log line',
    );
  });

  it('makes its data dir 0700 and every file it writes there 0600, tightening a dir left open with a warning', async () => {
    const fresh = join(temp(), 'data');
    const open = join(temp(), 'data');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);

    const first = await spawnService({ dataDir: fresh, cwd: tmpdir() });
    const second = await spawnService({ dataDir: open });
    const files = readdirSync(fresh, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, statSync(join(fresh, e.name)).mode & 0o777] as const);
    for (const service of [first, second]) service.child.kill('SIGTERM');
    await Promise.all([first.exited(), second.exited()]);

    assert.equal(statSync(fresh).mode & 0o777, 0o700);
    assert.deepEqual(
      new Set(files.map(([name]) => name)),
      new Set([
        'claude-hooks.sqlite',
        'claude-hooks.sqlite-wal',
        'claude-hooks.sqlite-shm',
        'webhook-secret',
        'service.pid',
        'service.url',
      ]),
    );
    for (const [name, mode] of files) assert.equal(mode, 0o600, `${name} is 0${mode.toString(8)}`);
    assert.equal(statSync(open).mode & 0o777, 0o700);
    const warning = second
      .stdout()
      .split('\n')
      .find((line) => line.includes('data dir was readable by other users; tightened it to 0700'));
    assert.match(warning ?? '', /"was":"0755"/);
    assert.doesNotMatch(first.stdout(), /tightened/);
  });

  it('never accepts unsigned deliveries, even with no secret configured', async (t) => {
    const service = await spawnService({ dataDir: temp() });
    t.after(() => service.stop());
    const sample = loadSamplePayload('gitea-issues-opened', { forge: 'forgejo' });

    const response = await fetch(`${service.url}/webhook`, {
      method: 'POST',
      headers: sample.headers,
      body: sample.body,
    });
    service.child.kill('SIGTERM');
    await service.exited();

    assert.equal(response.status, 401);
  });

  it('finishes an in-flight delivery on SIGTERM, then stops accepting', async (t) => {
    const dataDir = temp();
    const service = await spawnService({ dataDir, env: { CLAUDE_HOOKS_WEBHOOK_SECRET: 's3cret' } });
    t.after(() => service.stop());
    const sample = loadSamplePayload('gitea-issue_comment-created', { secret: 's3cret', forge: 'forgejo' });

    const url = new URL(service.url);
    let status = 0;
    const answered = new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/webhook',
          headers: { ...sample.headers, 'content-length': String(sample.body.length) },
        },
        (res) => {
          status = res.statusCode ?? 0;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.write(sample.body.subarray(0, 100));
      // Half the body is in; the server is reading this request when the signal arrives.
      setTimeout(() => {
        service.child.kill('SIGTERM');
        setTimeout(() => req.end(sample.body.subarray(100)), 300);
      }, 300);
    });
    await answered;
    const code = await service.exited();
    const afterwards = await fetch(`${service.url}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );

    assert.equal(status, 202);
    assert.equal(code, 0);
    assert.equal(afterwards, 'refused');
    const jobs = spawnSync(process.execPath, [CLI, 'jobs', '--json'], {
      env: { ...process.env, CLAUDE_HOOKS_DATA_DIR: dataDir, CLAUDE_HOOKS_CONFIG: '' },
      cwd: dataDir,
      encoding: 'utf8',
    });
    assert.equal(jobs.status, 0, jobs.stderr);
  });

  it('takes two signals at once as one (a Ctrl-C under npm arrives twice), and drains', async (t) => {
    const service = await spawnService({ dataDir: temp() });
    t.after(() => service.stop());

    service.child.kill('SIGINT');
    service.child.kill('SIGINT');
    const code = await service.exited();

    assert.equal(code, 0, "a drained stop, not the second signal's exit at once (130)");
  });

  it('refuses to start a second service on the same data dir, naming the pid that holds it', async (t) => {
    const dataDir = temp();
    const first = await spawnService({ dataDir });
    t.after(() => first.stop());

    const second = spawnSync(process.execPath, [CLI, 'serve'], {
      cwd: dataDir,
      env: { PATH: process.env.PATH, CLAUDE_HOOKS_DATA_DIR: dataDir, CLAUDE_HOOKS_PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const firstStillServes = await fetch(`${first.url}/healthz`).then((r) => r.ok);
    first.child.kill('SIGTERM');
    await first.exited();
    const lockLeft = existsSync(join(dataDir, 'service.pid'));

    assert.equal(second.status, 1);
    assert.match(
      second.stderr,
      new RegExp(
        `data dir ${dataDir} is in use by another claude-hooks service \\(pid ${first.child.pid}, recorded in ${join(dataDir, 'service.pid')}\\)`,
      ),
    );
    assert.ok(firstStillServes);
    assert.equal(lockLeft, false, 'a clean stop releases the data dir');
  });

  it('takes over the data dir of a service that was killed', async (t) => {
    const dataDir = temp();
    const killed = await spawnService({ dataDir });
    t.after(() => killed.stop());
    killed.child.kill('SIGKILL');
    await killed.exited();

    const next = await spawnService({ dataDir });
    t.after(() => next.stop());

    assert.equal(readFileSync(join(dataDir, 'service.pid'), 'utf8'), `${next.child.pid}\n`);
  });

  it('refuses to start with an invalid configuration, listing every problem', () => {
    const dir = temp();
    writeFileSync(join(dir, 'claude-hooks.yaml'), 'server: { port: "eighty" }\nforge: { kind: svn }\n');

    const result = spawnSync(process.execPath, [CLI, 'serve'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });

    assert.equal(result.status, 1);
    assert.match(result.stderr, /configuration is invalid \(2 problems\)/);
    assert.match(result.stderr, /server\.port/);
    assert.match(result.stderr, /forge\.kind/);
  });

  it('prints the effective configuration with `config check`, secrets redacted', () => {
    const dir = temp();

    const result = spawnSync(process.execPath, [CLI, 'config', 'check'], {
      cwd: dir,
      env: { PATH: process.env.PATH, CLAUDE_HOOKS_WEBHOOK_SECRET: 'do-not-print-me' },
      encoding: 'utf8',
    });

    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /webhookSecret:\n +env: CLAUDE_HOOKS_WEBHOOK_SECRET\n/, 'the secret as its reference');
    assert.doesNotMatch(result.stdout, /do-not-print-me/);
  });

  it('lists jobs from the data dir with `jobs`', async (t) => {
    const dataDir = temp();
    const service = await spawnService({ dataDir, env: { CLAUDE_HOOKS_WEBHOOK_SECRET: 'k' } });
    t.after(() => service.stop());
    const body = Buffer.from(JSON.stringify({ zen: 'hi', hook_id: 1 }));
    await fetch(`${service.url}/webhook`, {
      method: 'POST',
      headers: deliveryHeaders({
        forge: 'github',
        deliveryId: deliveryIdFor('ping'),
        event: 'ping',
        body,
        secret: 'k',
      }),
      body,
    });
    service.child.kill('SIGTERM');
    await service.exited();

    const result = spawnSync(process.execPath, [CLI, 'jobs'], {
      cwd: dataDir,
      env: { PATH: process.env.PATH, CLAUDE_HOOKS_DATA_DIR: dataDir },
      encoding: 'utf8',
    });

    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'no jobs\n');
  });

  it('shows what the forge sent and what became of it with `deliveries`', async (t) => {
    const dataDir = temp();
    const service = await spawnService({ dataDir, env: { CLAUDE_HOOKS_WEBHOOK_SECRET: 'k' } });
    t.after(() => service.stop());
    const opened = loadSamplePayload('gitea-issues-opened', { secret: 'k', forge: 'forgejo' });
    const ping = Buffer.from(JSON.stringify({ zen: 'hi', hook_id: 1 }));
    await fetch(`${service.url}/webhook`, { method: 'POST', headers: opened.headers, body: opened.body });
    await fetch(`${service.url}/webhook`, {
      method: 'POST',
      headers: deliveryHeaders({
        forge: 'github',
        deliveryId: deliveryIdFor('ping-2'),
        event: 'ping',
        body: ping,
        secret: 'k',
      }),
      body: ping,
    });
    service.child.kill('SIGTERM');
    await service.exited();

    const result = spawnSync(process.execPath, [CLI, 'deliveries'], {
      cwd: dataDir,
      env: { PATH: process.env.PATH, CLAUDE_HOOKS_DATA_DIR: dataDir },
      encoding: 'utf8',
    });

    assert.equal(result.status, 0, result.stderr);
    const [header, newest, oldest] = result.stdout.trim().split('\n');
    assert.match(header!, /^received +from +event type +outcome +delivery +became$/);
    assert.match(newest!, /github +ping +ignored .*ping/);
    assert.match(
      oldest!,
      new RegExp(`forgejo +issues +accepted +${opened.headers['x-forgejo-delivery']} +event 1: .+$`),
    );
  });
});
