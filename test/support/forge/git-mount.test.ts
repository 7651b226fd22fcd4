import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startForgeDouble, type ForgeDouble, type ForgeUser } from './forge-double.js';

const exec = promisify(execFile);
const REPO = 'acme/app';

describe('forge double git over HTTP', () => {
  let forge: ForgeDouble;
  let work: string;
  let dev: ForgeUser;
  let reader: ForgeUser;

  // Async git only: the double answers from this very process.
  const git = async (cwd: string, ...args: string[]): Promise<string> => {
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'dev',
      GIT_AUTHOR_EMAIL: 'dev@example.test',
      GIT_COMMITTER_NAME: 'dev',
      GIT_COMMITTER_EMAIL: 'dev@example.test',
    };
    return (await exec('git', args, { cwd, env })).stdout.trim();
  };
  const urlAs = (user: ForgeUser | undefined): string => {
    const url = new URL(forge.gitUrl('acme', 'app'));
    if (user !== undefined) Object.assign(url, { username: user.login, password: user.token });
    return url.toString();
  };
  async function cloneAs(user: ForgeUser | undefined, folder: string): Promise<string> {
    const dir = join(work, folder);
    await git(work, 'clone', '--quiet', urlAs(user), dir);
    return dir;
  }
  async function commit(dir: string, file: string, content: string): Promise<string> {
    await writeFile(join(dir, file), content);
    await git(dir, 'add', file);
    await git(dir, 'commit', '--quiet', '-m', `Change ${file}`);
    return git(dir, 'rev-parse', 'HEAD');
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'git-mount-test-'));
    forge = await startForgeDouble({ webhookSecret: 'secret' });
    dev = forge.addUser('dev');
    reader = forge.addUser('reader');
    await forge.createRepo('acme', 'app', {
      private: true,
      files: { 'README.md': 'hello\n' },
      collaborators: { dev: 'write', reader: 'read' },
    });
  });
  after(async () => {
    await forge.close();
    await rm(work, { recursive: true, force: true });
  });

  it('clones a repository with the token as the Basic-auth password', async () => {
    const dir = await cloneAs(dev, 'clone');

    assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), 'hello\n');
    assert.ok(forge.requests().some((r) => r.kind === 'git' && r.login === 'dev' && r.authScheme === 'Basic'));
  });

  it('sends create and push for a branch pushed over HTTP, with the refs before and after the push', async () => {
    const dir = await cloneAs(dev, 'new-branch');
    const base = await git(dir, 'rev-parse', 'HEAD');
    await git(dir, 'checkout', '--quiet', '-b', 'issue-1-fix');
    const head = await commit(dir, 'fix.txt', 'fix\n');
    const from = forge.deliveries().length;

    await git(dir, 'push', '--quiet', 'origin', 'issue-1-fix');
    await forge.idle();

    const sent = forge.deliveries().slice(from);
    assert.deepEqual(
      sent.map((d) => d.eventType),
      ['create', 'push'],
    );
    const push = sent[1]?.payload as {
      ref: string;
      before: string;
      after: string;
      total_commits: number;
      commits: Array<{ id: string; added: string[] }>;
      pusher: { login: string };
    };
    assert.equal(push.ref, 'refs/heads/issue-1-fix');
    assert.equal(push.before, '0000000000000000000000000000000000000000');
    assert.equal(push.after, head);
    assert.deepEqual(
      push.commits.map((c) => [c.id, c.added]),
      [[head, ['fix.txt']]],
    );
    assert.equal(push.pusher.login, 'dev');
    assert.equal((await forge.branches(REPO)).main, base);
  });

  it('sends push and then pull_request_sync with the new head when a PR head is pushed', async () => {
    const dir = await cloneAs(dev, 'pr-head');
    await git(dir, 'checkout', '--quiet', '-b', 'issue-2-docs');
    await commit(dir, 'docs.md', 'one\n');
    await git(dir, 'push', '--quiet', 'origin', 'issue-2-docs');
    const pull = await forge.as('dev').openPull(REPO, { head: 'issue-2-docs', title: 'Docs', body: '' });
    const head = await commit(dir, 'docs.md', 'two\n');
    const from = forge.deliveries().length;

    await git(dir, 'push', '--quiet', 'origin', 'issue-2-docs');
    await forge.idle();

    const sent = forge.deliveries().slice(from);
    assert.deepEqual(
      sent.map((d) => `${d.eventType} ${String(d.payload.action ?? d.payload.after)}`),
      [`push ${head}`, 'pull_request_sync synchronized'],
    );
    assert.equal((sent[1]?.payload.pull_request as { head: { sha: string } }).head.sha, head);
    assert.equal(forge.issue(REPO, pull.number)?.pull?.headSha, head);
  });

  const refusals = [
    { who: 'a reader', as: () => reader, status: 403 },
    { who: 'an anonymous user', as: () => undefined, status: 401 },
  ];
  for (const refusal of refusals) {
    it(`refuses a push from ${refusal.who} with ${refusal.status} and sends nothing`, async () => {
      const dir = await cloneAs(dev, `refused-${refusal.status}`);
      await commit(dir, 'evil.txt', 'no\n');
      const from = forge.deliveries().length;

      await assert.rejects(git(dir, 'push', '--quiet', urlAs(refusal.as()), 'HEAD:main'));
      await forge.idle();

      assert.ok(
        forge.requests().some((r) => r.kind === 'git' && r.path.endsWith('/info/refs') && r.status === refusal.status),
      );
      assert.equal(forge.deliveries().length, from);
    });
  }

  it('keeps a private repository from users without access', async () => {
    const stranger = forge.addUser('stranger');

    await assert.rejects(cloneAs(stranger, 'stranger'));

    assert.ok(forge.requests().some((r) => r.kind === 'git' && r.login === 'stranger' && r.status === 403));
  });
});
