/**
 * Git over smart HTTP at `<base>/<owner>/<name>.git/...`, through the shared `git http-backend`
 * handler, with Forgejo's access rules: anyone who can see a repository may fetch, only writers
 * may push (no credentials: 401, credentials without access: 403). A token is the Basic-auth
 * password; the username is ignored.
 *
 * A push changes the double's state like any other change: refs are read before and after it
 * (pushes to one repository are taken one at a time so the two readings belong to the same
 * push), and the differences become `create`/`push`/`pull_request_sync`/`delete` webhooks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGitHttpHandler } from '../git-http-backend.js';
import { readRefs } from './git-repos.js';
import type { OperationContext } from './operation-context.js';
import { refsChanged } from './ref-operations.js';
import { canWrite, type RepoRecord, type UserRecord } from './state.js';

const GIT_PATH = /^\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)\.git(\/.*)$/;

export const isGitPath = (pathname: string): boolean => GIT_PATH.test(pathname);

export interface GitMount {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Resolves once every push received so far has been turned into state and webhooks. */
  settled(): Promise<void>;
}

export function createGitMount(
  ctx: OperationContext,
  projectRoot: string,
  onError: (error: unknown) => void,
): GitMount {
  const pushQueues = new Map<string, Promise<void>>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, owner = '', name = ''] = GIT_PATH.exec(url.pathname) ?? [];
    const repo = ctx.state.repo(`${owner}/${name}`);
    if (repo === undefined) {
      res.writeHead(404).end('repository not found\n');
      return;
    }
    let user: UserRecord | undefined;
    const serve = (onPush?: () => void): void =>
      createGitHttpHandler({
        projectRoot,
        pathPrefix: '',
        authorize: ({ token, access }) => {
          user = token === undefined ? undefined : ctx.state.userByToken(token);
          if (token !== undefined && user === undefined) return false;
          const permission = ctx.state.permission(repo, user?.login);
          return access === 'read' ? permission !== 'none' : user !== undefined && canWrite(permission);
        },
        onPush,
      })(req, res);

    if (req.method !== 'POST' || !url.pathname.endsWith('/git-receive-pack')) {
      serve();
      return;
    }
    const previous = pushQueues.get(repo.fullName) ?? Promise.resolve();
    const current = previous.then(() => receivePack(ctx, repo, res, serve, () => user, onError));
    pushQueues.set(repo.fullName, current);
  };
  return { handle, settled: async () => void (await Promise.all(pushQueues.values())) };
}

function receivePack(
  ctx: OperationContext,
  repo: RepoRecord,
  res: ServerResponse,
  serve: (onPush: () => void) => void,
  pusher: () => UserRecord | undefined,
  onError: (error: unknown) => void,
): Promise<void> {
  return new Promise<void>((release) => {
    readRefs(repo.gitDir).then(
      (before) => {
        let pushed = false;
        res.on('close', () => {
          if (!pushed) release();
        });
        serve(() => {
          pushed = true;
          const login = pusher()?.login;
          readRefs(repo.gitDir)
            .then((after) => (login === undefined ? undefined : refsChanged(ctx, login, repo, before, after)))
            .catch(onError)
            .finally(release);
        });
      },
      (error: unknown) => {
        onError(error);
        res.writeHead(500).end('cannot read refs\n');
        release();
      },
    );
  });
}
