/**
 * Setting the scene before a test acts: users (each with an API token, as a Forgejo PAT) and
 * repositories with their first commit, collaborators and labels. Nothing here sends webhooks —
 * a repository hook only exists once the repository does.
 */
import { join } from 'node:path';
import { commitFiles, initBareRepo } from './git-repos.js';
import { signatureOf } from './operation-context.js';
import type { AccessLevel, ForgeState, RepoRecord, UserRecord } from './state.js';

export interface ForgeUser {
  readonly login: string;
  readonly id: number;
  /** The API token; also the password for git over HTTP. */
  readonly token: string;
}

export function addUser(state: ForgeState, login: string, options: { admin?: boolean } = {}): ForgeUser {
  if (!/^[A-Za-z0-9_.-]+$/.test(login)) throw new Error(`forge double: ${JSON.stringify(login)} is not a valid login`);
  if (state.user(login) !== undefined) throw new Error(`forge double: user ${login} exists already`);
  const user: UserRecord = {
    id: state.nextId('user'),
    login,
    token: state.newToken(),
    admin: options.admin === true,
    createdAt: state.now(),
  };
  state.users.set(login.toLowerCase(), user);
  return { login: user.login, id: user.id, token: user.token };
}

export interface RepoOptions {
  /** Files of the first commit; a README when omitted (Forgejo's "initialise repository"). */
  readonly files?: Readonly<Record<string, string>>;
  readonly collaborators?: Readonly<Record<string, AccessLevel>>;
  readonly private?: boolean;
  readonly defaultBranch?: string;
  /** Labels the repository defines, by name. */
  readonly labels?: readonly string[];
  /** The tracker's issue dependencies; on unless false (Gitea's repository setting, on by default). */
  readonly dependencies?: boolean;
}

const LABEL_COLOURS = ['e11d21', 'fbca04', '009800', '006b75', '207de5', '5319e7'];

export async function createRepo(
  state: ForgeState,
  reposRoot: string,
  owner: string,
  name: string,
  options: RepoOptions = {},
): Promise<RepoRecord> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new Error(`forge double: ${JSON.stringify(name)} is not a valid repository name`);
  const ownerUser = state.user(owner) ?? state.user(addUser(state, owner).login);
  if (ownerUser === undefined) throw new Error(`forge double: cannot create owner ${owner}`);
  const fullName = `${ownerUser.login}/${name}`;
  if (state.repo(fullName) !== undefined) throw new Error(`forge double: repository ${fullName} exists already`);
  const defaultBranch = options.defaultBranch ?? 'main';
  const gitDir = join(reposRoot, ownerUser.login, `${name}.git`);
  await initBareRepo(gitDir, defaultBranch);
  const files = options.files ?? { 'README.md': `# ${name}\n` };
  await commitFiles(gitDir, {
    branch: defaultBranch,
    files,
    message: 'Initial commit',
    author: signatureOf(ownerUser.login),
  });
  const collaborators = new Map<string, AccessLevel>();
  for (const [login, level] of Object.entries(options.collaborators ?? {})) {
    const user = state.user(login);
    if (user === undefined) throw new Error(`forge double: collaborator ${login} is not a user (addUser first)`);
    collaborators.set(user.login.toLowerCase(), level);
  }
  const now = state.now();
  const repo: RepoRecord = {
    id: state.nextId('repo'),
    owner: ownerUser.login,
    name,
    fullName,
    private: options.private === true,
    defaultBranch,
    collaborators,
    labels: (options.labels ?? []).map((label, i) => ({
      id: state.nextId('label'),
      name: label,
      color: LABEL_COLOURS[i % LABEL_COLOURS.length] ?? 'e11d21',
    })),
    createdAt: now,
    updatedAt: now,
    gitDir,
    nextIndex: 1,
    dependenciesEnabled: options.dependencies !== false,
  };
  state.repos.set(fullName.toLowerCase(), repo);
  return repo;
}
