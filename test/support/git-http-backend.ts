/**
 * Smart-HTTP git serving for tests and the demo: runs the real `git http-backend` CGI for each
 * request, so clone, fetch and push go through the same protocol a Forgejo server speaks.
 *
 * `createGitHttpHandler` returns a plain `node:http` request handler that can be mounted in any
 * server (the forge double mounts it under its own routes); `startGitHttpServer` is the
 * standalone loopback server for tests that need nothing else. Access is decided by `authorize`,
 * given the Basic-auth password (a token, as Forgejo takes it — the username is ignored).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type GitAccess = 'read' | 'write';

export interface GitHttpOptions {
  /** Folder holding the bare repositories: `<root>/<owner>/<name>.git`. */
  readonly projectRoot: string;
  /**
   * Decides whether a request may go on. `token` is the Basic-auth password, or undefined when
   * the request carried no credentials. Return false to answer 401 (asking for credentials) when
   * no token was given, 403 otherwise.
   */
  readonly authorize?: (request: { token: string | undefined; repoPath: string; access: GitAccess }) => boolean;
  /** Prefix stripped from the URL path before it is handed to git (the forge double uses ''). */
  readonly pathPrefix?: string;
  /** Called after a successful push, with the repository path (`owner/name.git`). */
  readonly onPush?: (repoPath: string) => void;
}

export interface GitHttpServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const REPO_PATH = /^\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?(\/.*)$/;

function tokenFrom(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  if (scheme?.toLowerCase() === 'token' && value) return value;
  return undefined;
}

function accessFor(url: URL, rest: string): GitAccess {
  if (rest === '/git-receive-pack') return 'write';
  if (rest === '/info/refs' && url.searchParams.get('service') === 'git-receive-pack') return 'write';
  return 'read';
}

export function createGitHttpHandler(options: GitHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = options.pathPrefix ? url.pathname.slice(options.pathPrefix.length) : url.pathname;
    const match = REPO_PATH.exec(path);
    if (!match) {
      res.writeHead(404).end('not a repository path\n');
      return;
    }
    const [, owner, name, rest = ''] = match;
    const repoPath = `${owner}/${name}.git`;
    const access = accessFor(url, rest);
    const token = tokenFrom(req);
    if (options.authorize && !options.authorize({ token, repoPath, access })) {
      if (token === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="forge"' }).end('authentication required\n');
      } else {
        res.writeHead(403).end('access denied\n');
      }
      return;
    }
    runBackend(options, req, res, `/${repoPath}${rest}`, url.search.slice(1), () => {
      if (access === 'write' && rest === '/git-receive-pack') options.onPush?.(repoPath);
    });
  };
}

function runBackend(
  options: GitHttpOptions,
  req: IncomingMessage,
  res: ServerResponse,
  pathInfo: string,
  query: string,
  onDone: () => void,
): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: pathInfo,
    QUERY_STRING: query,
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'forge-user',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: options.projectRoot,
    // What a Forgejo server enables: pushes over HTTP (access is checked above), partial clones.
    GIT_CONFIG_COUNT: '3',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GIT_CONFIG_KEY_1: 'uploadpack.allowFilter',
    GIT_CONFIG_VALUE_1: 'true',
    GIT_CONFIG_KEY_2: 'uploadpack.allowAnySHA1InWant',
    GIT_CONFIG_VALUE_2: 'true',
  };
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined);

  let headerDone = false;
  let pending = Buffer.alloc(0);
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    for (const line of pending.subarray(0, end).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(key, value);
    }
    res.writeHead(status);
    res.write(pending.subarray(end + 4));
  });
  let stderr = '';
  cgi.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  cgi.on('close', (code) => {
    if (!headerDone) {
      res.writeHead(500).end(`git http-backend failed (${code}): ${stderr}\n`);
      return;
    }
    res.end();
    if (code === 0) onDone();
  });
}

/** A standalone loopback server serving `<projectRoot>/<owner>/<name>.git`. */
export async function startGitHttpServer(options: GitHttpOptions): Promise<GitHttpServer> {
  const server = createServer(createGitHttpHandler(options));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
