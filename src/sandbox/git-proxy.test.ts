import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startGitHttpServer, type GitAccess, type GitHttpServer } from '../../test/support/git-http-backend.js';
import { createLogger, silentLogger } from '../lib/logger.js';
import { Secret } from '../lib/secret.js';
import { createGitProxy, ownBranchOnly, type GitProxy, type GitProxyOptions, type RefUpdate } from './git-proxy.js';
import { encodePktLine, FLUSH_PKT } from './pkt-line.js';

const exec = promisify(execFile);
const LOGIN = 'dev-bot';
const TOKEN = `tok-dev-${randomBytes(12).toString('hex')}`;
const BASIC = Buffer.from(`${LOGIN}:${TOKEN}`).toString('base64');
const BRANCH = 'issue-1-x';
const ZERO = '0'.repeat(40);

interface Served {
  readonly url: string;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe('the git proxy', () => {
  let work = '';
  let home = '';
  let bare = '';
  let forge: GitHttpServer | undefined;
  /** Every request the forge saw: the Basic-auth password and the access asked for. */
  const forgeSaw: Array<{ token: string | undefined; access: GitAccess }> = [];
  const pushed: Array<readonly RefUpdate[]> = [];
  const logs: string[] = [];
  /** Every byte the proxy's server wrote to a client, and everything git printed. */
  const answered: Buffer[] = [];
  const printed: string[] = [];
  const servers: Served[] = [];
  let proxy: GitProxy;
  let proxyUrl = '';
  let readOnlyUrl = '';

  const gitEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'dev agent',
    GIT_AUTHOR_EMAIL: 'dev@agents.test',
    GIT_COMMITTER_NAME: 'dev agent',
    GIT_COMMITTER_EMAIL: 'dev@agents.test',
  });

  // Async git only: the forge and the proxy answer from this very process.
  async function git(cwd: string, ...args: string[]): Promise<string> {
    const { stdout, stderr } = await exec('git', args, { cwd, env: gitEnv() });
    printed.push(stdout, stderr);
    return stdout.trim();
  }

  /** Runs a git command that must fail; resolves with its stderr. */
  async function gitFails(cwd: string, ...args: string[]): Promise<string> {
    try {
      await exec('git', args, { cwd, env: gitEnv() });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      printed.push(stdout, stderr);
      return stderr;
    }
    assert.fail(`git ${args.join(' ')} succeeded`);
  }

  async function commit(dir: string, file: string): Promise<string> {
    await writeFile(join(dir, file), `${file} ${randomBytes(8).toString('hex')}\n`);
    await git(dir, 'add', file);
    await git(dir, 'commit', '--quiet', '-m', `Change ${file}`);
    return git(dir, 'rev-parse', 'HEAD');
  }

  const forgeRef = (ref: string, repo = bare): Promise<string> =>
    git(repo, 'rev-parse', '--verify', '--quiet', ref).catch(() => '');

  async function createBare(path: string, objectFormat: 'sha1' | 'sha256'): Promise<void> {
    await mkdir(path, { recursive: true });
    await git(path, 'init', '--quiet', '--bare', '--initial-branch=main', `--object-format=${objectFormat}`);
    const seed = `${path}-seed`;
    await mkdir(seed);
    await git(seed, 'init', '--quiet', '--initial-branch=main', `--object-format=${objectFormat}`);
    await writeFile(join(seed, 'README.md'), 'hello\n');
    await git(seed, 'add', 'README.md');
    await git(seed, 'commit', '--quiet', '-m', 'Initial commit');
    await git(seed, 'push', '--quiet', path, 'HEAD:refs/heads/main', `HEAD:refs/heads/${BRANCH}`);
  }

  /** Mounts `gitProxy` under `/git/` of a loopback server recording every byte it answers. */
  async function serve(gitProxy: GitProxy): Promise<string> {
    const server = createServer((req, res) => {
      // The raw path, not a parsed URL: `..` must reach the proxy as the client sent it.
      const raw = req.url ?? '/';
      const query = raw.indexOf('?');
      const pathname = query < 0 ? raw : raw.slice(0, query);
      if (pathname.startsWith('/git/'))
        return gitProxy.handle(req, res, pathname.slice(5), query < 0 ? '' : raw.slice(query));
      res.writeHead(404).end();
    });
    server.on('connection', record);
    return listen(server);
  }

  function record(socket: Socket): void {
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      answered.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    }) as typeof socket.write;
  }

  async function listen(server: Server): Promise<string> {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push({
      url,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    return url;
  }

  function proxyOptions(upstream: string, overrides: Partial<GitProxyOptions> = {}): GitProxyOptions {
    return {
      upstream,
      credentials: { username: LOGIN, password: new Secret(TOKEN) },
      log: silentLogger(),
      ...overrides,
    };
  }

  /** One HTTP request as a client sends it, path untouched. */
  function send(
    base: string,
    method: string,
    path: string,
    body?: Buffer,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const { hostname, port } = new URL(base);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          method,
          path,
          headers: body ? { 'content-length': String(body.length), ...headers } : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('latin1'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const pushBody = (...pkts: Buffer[]): Buffer => Buffer.concat(pkts);
  const pushHeaders = { 'content-type': 'application/x-git-receive-pack-request' };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'git-proxy-test-'));
    home = join(work, 'home');
    await mkdir(home);
    const root = join(work, 'forge');
    bare = join(root, 'acme', 'widget.git');
    await createBare(bare, 'sha1');
    forge = await startGitHttpServer({
      projectRoot: root,
      authorize: ({ token, access }) => {
        forgeSaw.push({ token, access });
        return token === TOKEN;
      },
    });
    const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
    proxy = createGitProxy(
      proxyOptions(`${forge.url}/acme/widget.git`, {
        push: ownBranchOnly(BRANCH),
        log,
        onPushed: (updates) => void pushed.push(updates),
      }),
    );
    proxyUrl = `${await serve(proxy)}/git`;
    readOnlyUrl = `${await serve(createGitProxy(proxyOptions(`${forge.url}/acme/widget.git/`, { log })))}/git`;
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await forge?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('clones through the proxy, which signs in to the forge with the agent token the client never had', async () => {
    const from = forgeSaw.length;
    const dir = join(work, 'clone');
    await git(work, 'clone', '--quiet', proxyUrl, dir);

    assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), 'hello\n');
    assert.equal(await git(dir, 'remote', 'get-url', 'origin'), proxyUrl);
    const seen = forgeSaw.slice(from);
    assert.ok(seen.length > 0);
    assert.deepEqual(new Set(seen.map((request) => request.token)), new Set([TOKEN]));
  });

  it('fetches new commits through the proxy, in protocol v2 and in v0', async () => {
    const human = join(work, 'human');
    await git(work, 'clone', '--quiet', bare, human);
    const dir = join(work, 'clone');

    const first = await commit(human, 'news.txt');
    await git(human, 'push', '--quiet', 'origin', 'main');
    await git(dir, 'fetch', '--quiet', 'origin');
    assert.equal(await git(dir, 'rev-parse', 'origin/main'), first);

    const second = await commit(human, 'more-news.txt');
    await git(human, 'push', '--quiet', 'origin', 'main');
    await git(dir, '-c', 'protocol.version=0', 'fetch', '--quiet', 'origin');
    assert.equal(await git(dir, 'rev-parse', 'origin/main'), second);
  });

  it('lets the agent push its own branch, and tells the service the update the forge made', async () => {
    const dir = join(work, 'clone');
    const before = await forgeRef(`refs/heads/${BRANCH}`);
    // On top of main, so that pushing it to main later is a fast-forward git sends rather than
    // refuses on its own.
    await git(dir, 'checkout', '--quiet', '-b', BRANCH, 'origin/main');
    const head = await commit(dir, 'fix.txt');

    await git(dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${BRANCH}`);

    assert.equal(await forgeRef(`refs/heads/${BRANCH}`), head);
    assert.deepEqual(pushed.at(-1), [{ oldSha: before, newSha: head, ref: `refs/heads/${BRANCH}` }]);
  });

  it('lets the agent force-push its own branch', async () => {
    const dir = join(work, 'clone');
    await writeFile(join(dir, 'fix.txt'), 'rewritten\n');
    await git(dir, 'commit', '--quiet', '--all', '--amend', '-m', 'Rewritten fix');
    const head = await git(dir, 'rev-parse', 'HEAD');

    await git(dir, 'push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${BRANCH}`);

    assert.equal(await forgeRef(`refs/heads/${BRANCH}`), head);
  });

  it("streams a push larger than git's post buffer, which git sends chunked, through to the forge", async () => {
    const dir = join(work, 'clone');
    await writeFile(join(dir, 'large.bin'), randomBytes(4 * 1024 * 1024));
    await git(dir, 'add', 'large.bin');
    await git(dir, 'commit', '--quiet', '-m', 'Add a large file');
    const head = await git(dir, 'rev-parse', 'HEAD');

    await git(dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${BRANCH}`);

    assert.equal(await forgeRef(`refs/heads/${BRANCH}`), head);
    assert.equal(pushed.at(-1)?.[0]?.newSha, head);
  });

  it("refuses a push to main with the reason in git's output, and main does not move", async () => {
    const dir = join(work, 'clone');
    const main = await forgeRef('refs/heads/main');
    const calls = pushed.length;

    const stderr = await gitFails(dir, 'push', 'origin', 'HEAD:main');

    assert.match(stderr, /! \[remote rejected\] HEAD -> main \(only branch issue-1-x may be pushed\)/);
    assert.equal(await forgeRef('refs/heads/main'), main);
    assert.equal(pushed.length, calls);
  });

  it('refuses a large push to main only after reading all of it, so that git still prints the reason', async () => {
    const dir = join(work, 'clone');
    const main = await forgeRef('refs/heads/main');
    await writeFile(join(dir, 'large-for-main.bin'), randomBytes(4 * 1024 * 1024));
    await git(dir, 'add', 'large-for-main.bin');
    await git(dir, 'commit', '--quiet', '-m', 'Add another large file');

    const stderr = await gitFails(dir, 'push', 'origin', 'HEAD:main');

    assert.match(stderr, /! \[remote rejected\] HEAD -> main \(only branch issue-1-x may be pushed\)/);
    assert.equal(await forgeRef('refs/heads/main'), main);
  });

  it('refuses deleting a branch, even its own', async () => {
    const dir = join(work, 'clone');
    const head = await forgeRef(`refs/heads/${BRANCH}`);

    const stderr = await gitFails(dir, 'push', 'origin', `:${BRANCH}`);

    assert.match(
      stderr,
      /! \[remote rejected\] issue-1-x \(deleting refs is not allowed; only branch issue-1-x may be pushed\)/,
    );
    assert.equal(await forgeRef(`refs/heads/${BRANCH}`), head);
  });

  it('refuses a tag', async () => {
    const dir = join(work, 'clone');
    await git(dir, 'tag', 'v1.0');

    const stderr = await gitFails(dir, 'push', 'origin', 'v1.0');

    assert.match(
      stderr,
      /! \[remote rejected\] v1\.0 -> v1\.0 \(tags may not be pushed; only branch issue-1-x may be pushed\)/,
    );
    assert.equal(await forgeRef('refs/tags/v1.0'), '');
  });

  it('refuses the whole of a push in which one ref is refused: nothing moves', async () => {
    const dir = join(work, 'clone');
    const main = await forgeRef('refs/heads/main');
    const own = await forgeRef(`refs/heads/${BRANCH}`);
    await commit(dir, 'mixed.txt');

    const stderr = await gitFails(dir, 'push', 'origin', `HEAD:refs/heads/${BRANCH}`, 'HEAD:refs/heads/main');

    assert.match(stderr, /! \[remote rejected\] HEAD -> main \(only branch issue-1-x may be pushed\)/);
    assert.match(
      stderr,
      /! \[remote rejected\] HEAD -> issue-1-x \(not pushed: another ref of this push was refused\)/,
    );
    assert.equal(await forgeRef('refs/heads/main'), main);
    assert.equal(await forgeRef(`refs/heads/${BRANCH}`), own);
  });

  it('tells the service nothing when the forge itself refuses the push', async () => {
    const dir = join(work, 'clone');
    const own = await forgeRef(`refs/heads/${BRANCH}`);
    const calls = pushed.length;
    await git(bare, 'config', 'receive.denyNonFastForwards', 'true');
    try {
      await git(dir, 'reset', '--quiet', '--hard', 'origin/main');
      await commit(dir, 'elsewhere.txt');

      const stderr = await gitFails(dir, 'push', '--force', 'origin', `HEAD:refs/heads/${BRANCH}`);

      assert.match(stderr, /! \[remote rejected\] HEAD -> issue-1-x \(non-fast-forward\)/);
    } finally {
      await git(bare, 'config', '--unset', 'receive.denyNonFastForwards');
    }
    assert.equal(await forgeRef(`refs/heads/${BRANCH}`), own);
    assert.equal(pushed.length, calls);
  });

  it('pushes SHA-256 repositories too', async () => {
    const modern = join(work, 'forge', 'acme', 'modern.git');
    await createBare(modern, 'sha256');
    const modernProxy = createGitProxy(proxyOptions(`${forge?.url}/acme/modern.git`, { push: ownBranchOnly(BRANCH) }));
    const url = `${await serve(modernProxy)}/git`;
    const dir = join(work, 'modern');
    await git(work, 'clone', '--quiet', url, dir);
    await git(dir, 'checkout', '--quiet', '-b', BRANCH, `origin/${BRANCH}`);
    const head = await commit(dir, 'fix.txt');
    assert.equal(head.length, 64);

    await git(dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${BRANCH}`);
    const stderr = await gitFails(dir, 'push', 'origin', 'HEAD:main');

    assert.equal(await forgeRef(`refs/heads/${BRANCH}`, modern), head);
    assert.match(stderr, /! \[remote rejected\] HEAD -> main \(only branch issue-1-x may be pushed\)/);
    assert.notEqual(await forgeRef('refs/heads/main', modern), head);
  });

  it('lets a fetch-only proxy clone but answers any push with 403, without asking the forge to push', async () => {
    const dir = join(work, 'read-only');
    await git(work, 'clone', '--quiet', readOnlyUrl, dir);
    const from = forgeSaw.length;
    await git(dir, 'checkout', '--quiet', '-b', BRANCH, `origin/${BRANCH}`);
    await commit(dir, 'sneaky.txt');

    const stderr = await gitFails(dir, 'push', 'origin', `HEAD:refs/heads/${BRANCH}`);
    const post = await send(
      readOnlyUrl,
      'POST',
      '/git/git-receive-pack',
      pushBody(encodePktLine(`${ZERO} ${'1'.repeat(40)} refs/heads/${BRANCH}\0report-status\n`), FLUSH_PKT),
      pushHeaders,
    );

    assert.match(stderr, /403/);
    assert.equal(post.status, 403);
    assert.equal(post.body, 'this run may fetch but not push\n');
    assert.deepEqual(forgeSaw.slice(from), []);
  });

  it('answers 404 to dumb-protocol and unknown paths and 405 to wrong methods, one text line each, never asking the forge', async () => {
    const from = forgeSaw.length;
    const refusals = proxy.refusals();
    const cases: Array<[method: string, path: string, status: number]> = [
      ['GET', '/git/HEAD', 404],
      ['GET', '/git/objects/info/packs', 404],
      ['GET', '/git/objects/ab/cdef0123456789abcdef0123456789abcdef01', 404],
      ['GET', '/git/info/refs', 404],
      ['GET', '/git/info/refs?service=git-upload-archive', 404],
      ['GET', '/git/../../other/secret.git/info/refs?service=git-upload-pack', 404],
      ['GET', '/git/info/refs/../../../other.git/info/refs?service=git-upload-pack', 404],
      ['POST', '/git/info/refs?service=git-upload-pack', 405],
      ['GET', '/git/git-upload-pack', 405],
      ['PUT', '/git/git-receive-pack', 405],
    ];

    for (const [method, path, status] of cases) {
      const answer = await send(proxyUrl.replace(/\/git$/, ''), method, path);
      assert.equal(answer.status, status, `${method} ${path}`);
      assert.match(String(answer.headers['content-type']), /^text\/plain/);
      assert.match(answer.body, /^[^\n]+\n$/, `${method} ${path}`);
    }

    assert.deepEqual(forgeSaw.slice(from), []);
    assert.equal(proxy.refusals(), refusals + cases.length);
  });

  it('answers a client without side-band with a plain report-status', async () => {
    const base = proxyUrl.replace(/\/git$/, '');
    const command = (ref: string, caps = '') =>
      encodePktLine(`${ZERO} ${'a'.repeat(40)} ${ref}${caps ? `\0${caps}` : ''}\n`);

    const answer = await send(
      base,
      'POST',
      '/git/git-receive-pack',
      pushBody(
        command('refs/heads/main', 'report-status'),
        command(`refs/heads/${BRANCH}`),
        FLUSH_PKT,
        Buffer.from('PACK not really'),
      ),
      pushHeaders,
    );

    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/x-git-receive-pack-result');
    const expected = Buffer.concat([
      encodePktLine('unpack ok\n'),
      encodePktLine('ng refs/heads/main only branch issue-1-x may be pushed\n'),
      encodePktLine(`ng refs/heads/${BRANCH} not pushed: another ref of this push was refused\n`),
      FLUSH_PKT,
    ]);
    assert.equal(answer.body, expected.toString('latin1'));
  });

  it('reads SHA-256 object names in a command list', async () => {
    const base = proxyUrl.replace(/\/git$/, '');
    const body = pushBody(
      encodePktLine(`${'b'.repeat(64)} ${'c'.repeat(64)} refs/heads/main\0report-status object-format=sha256\n`),
      FLUSH_PKT,
    );

    const answer = await send(base, 'POST', '/git/git-receive-pack', body, pushHeaders);

    assert.equal(answer.status, 200);
    assert.match(answer.body, /ng refs\/heads\/main only branch issue-1-x may be pushed\n/);
  });

  it('refuses a malformed command list with 400 and forwards none of it', async () => {
    const base = proxyUrl.replace(/\/git$/, '');
    const from = forgeSaw.length;
    const bodies = [
      Buffer.from('this is not pkt-line framing'),
      pushBody(encodePktLine('not a command\0report-status\n'), FLUSH_PKT),
      pushBody(encodePktLine(`${ZERO} ${'a'.repeat(64)} refs/heads/${BRANCH}\0report-status\n`), FLUSH_PKT),
      pushBody(encodePktLine(`${ZERO} ${'a'.repeat(40)} refs/heads/${BRANCH}\0report-status\n`)),
      pushBody(
        encodePktLine(`${ZERO} ${'a'.repeat(40)} refs/heads/${BRANCH}\0report-status\n`),
        Buffer.from('0001'),
        FLUSH_PKT,
      ),
    ];

    for (const body of bodies) {
      const answer = await send(base, 'POST', '/git/git-receive-pack', body, pushHeaders);
      assert.equal(answer.status, 400, body.toString('latin1'));
      assert.match(answer.body, /^malformed push: [^\n]+\n$/);
    }
    assert.deepEqual(forgeSaw.slice(from), []);
  });

  it('refuses with 413 a command list over 1 MiB or over 10,000 refs', async () => {
    const base = proxyUrl.replace(/\/git$/, '');
    const commands = (count: number, ref: (i: number) => string) =>
      Array.from({ length: count }, (_, i) =>
        encodePktLine(`${ZERO} ${'a'.repeat(40)} ${ref(i)}${i === 0 ? '\0report-status' : ''}\n`),
      );

    const huge = await send(
      base,
      'POST',
      '/git/git-receive-pack',
      pushBody(...commands(12_000, (i) => `refs/heads/branch-number-${i}`)),
      pushHeaders,
    );
    const many = await send(
      base,
      'POST',
      '/git/git-receive-pack',
      pushBody(...commands(10_001, (i) => `r${i}`), FLUSH_PKT),
      pushHeaders,
    );

    assert.equal(huge.status, 413);
    assert.equal(many.status, 413);
  });

  it('refuses a gzip-compressed push with 415', async () => {
    const base = proxyUrl.replace(/\/git$/, '');
    const body = gzipSync(
      pushBody(encodePktLine(`${ZERO} ${'a'.repeat(40)} refs/heads/${BRANCH}\0report-status\n`), FLUSH_PKT),
    );

    const answer = await send(base, 'POST', '/git/git-receive-pack', body, {
      ...pushHeaders,
      'content-encoding': 'gzip',
    });

    assert.equal(answer.status, 415);
    assert.match(answer.body, /uncompressed/);
  });

  it('answers 502 without naming the forge when the forge cannot be reached', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const url = await serve(createGitProxy(proxyOptions(`http://127.0.0.1:${port}/acme/widget.git`)));

    const answer = await send(url, 'GET', '/git/info/refs?service=git-upload-pack');

    assert.equal(answer.status, 502);
    assert.equal(answer.body, 'the forge could not be reached\n');
  });

  it('answers 504 when the forge sends no response in time', async () => {
    const silent = await listen(createServer(() => undefined));
    const url = await serve(createGitProxy(proxyOptions(`${silent}/acme/widget.git`, { responseTimeoutMs: 200 })));

    const answer = await send(url, 'GET', '/git/info/refs?service=git-upload-pack');

    assert.equal(answer.status, 504);
    assert.equal(answer.body, 'the forge did not answer in time\n');
  });

  it("answers 502, not 401, when the forge refuses the agent's token, so that git does not ask for a password", async () => {
    // Forgejo answers a revoked token with 401 (the test's git backend with 403).
    const forgejo = await listen(
      createServer((_req, res) =>
        res.writeHead(401, { 'www-authenticate': 'Basic realm="Gitea"' }).end('Unauthorized\n'),
      ),
    );
    const url = `${await serve(createGitProxy(proxyOptions(`${forgejo}/acme/widget.git`)))}/git`;

    const answer = await send(url.replace(/\/git$/, ''), 'GET', '/git/info/refs?service=git-upload-pack');
    const stderr = await gitFails(work, 'clone', '--quiet', url, join(work, 'revoked'));

    assert.equal(answer.status, 502);
    assert.equal(answer.headers['www-authenticate'], undefined);
    assert.equal(answer.body, "the forge did not accept the agent's credentials\n");
    assert.doesNotMatch(stderr, /Username|terminal prompts/);
  });

  it('takes no upstream URL that carries credentials, a query or another scheme', () => {
    for (const upstream of [
      'http://dev:tok@127.0.0.1:3000/acme/widget.git',
      'http://127.0.0.1:3000/acme/widget.git?x=1',
      'file:///srv/acme/widget.git',
    ]) {
      assert.throws(() => createGitProxy(proxyOptions(upstream)), TypeError, upstream);
    }
  });

  it('counts refused requests and refused ref updates', async () => {
    const dir = join(work, 'clone');
    const from = proxy.refusals();

    await send(proxyUrl.replace(/\/git$/, ''), 'GET', '/git/HEAD');
    await gitFails(dir, 'push', '--force', 'origin', `HEAD:refs/heads/${BRANCH}`, 'HEAD:refs/heads/main', 'v1.0');

    // One path, then main and the tag; the own branch was not refused, only not pushed.
    assert.equal(proxy.refusals(), from + 3);
  });

  it('never puts the credentials in anything it answers or logs', () => {
    const everything = [Buffer.concat(answered).toString('latin1'), ...logs, ...printed].join('\n');

    assert.ok(answered.length > 0 && logs.length > 0 && printed.length > 0);
    assert.match(everything, /unpack ok/); // the recording did see the answers
    assert.ok(!everything.includes(TOKEN), 'the token leaked');
    assert.ok(!everything.includes(BASIC), 'the Basic credentials leaked');
  });
});
