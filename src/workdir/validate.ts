/**
 * Requests carry payload strings (branch names, commit ids, URLs): they are checked here, once,
 * and everything past this point trusts them.
 */
import { branchNameProblem, isCommitId } from './ref-name.js';
import type { AcquireRequest, RepoSpec, WorktreeTarget } from './types.js';

const AGENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export function validateRepo(repo: RepoSpec): string | undefined {
  let url: URL;
  try {
    url = new URL(repo.cloneUrl);
  } catch {
    return `clone URL ${JSON.stringify(repo.cloneUrl)} is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `clone URL must be http(s), not ${url.protocol}`;
  if (url.username !== '' || url.password !== '')
    return 'clone URL must not carry credentials: the token is supplied by the credential helper';
  if (repo.host === '' || repo.owner === '' || repo.name === '') return 'repository host, owner and name are required';
  const problem = branchNameProblem(repo.defaultBranch);
  return problem === undefined ? undefined : `default branch ${JSON.stringify(repo.defaultBranch)} ${problem}`;
}

/** With a configured forge, a repository on any other host is refused: nothing fetches from there. */
export function validateOnForge(repo: RepoSpec, forgeUrl: string | undefined): string | undefined {
  if (forgeUrl === undefined) return undefined;
  const forgeHost = new URL(forgeUrl).host.toLowerCase();
  if (repo.host.toLowerCase() === forgeHost) return undefined;
  return `repository host ${JSON.stringify(repo.host)} is not the forge's (${forgeHost}): the service works only on the forge in forge.url`;
}

export function validateTarget(target: WorktreeTarget | AcquireRequest['target']): string | undefined {
  if (target.kind === 'default-branch') return undefined;
  if (target.kind === 'issue-branch') {
    const problem = branchNameProblem(target.branch);
    if (problem !== undefined) return `branch name ${JSON.stringify(target.branch)} ${problem}`;
    const startFrom = 'startFrom' in target ? target.startFrom : undefined;
    if (startFrom === undefined) return undefined;
    const startProblem = branchNameProblem(startFrom);
    if (startProblem !== undefined) return `start branch ${JSON.stringify(startFrom)} ${startProblem}`;
    return startFrom === target.branch ? `branch ${JSON.stringify(startFrom)} cannot start from itself` : undefined;
  }
  if (!Number.isSafeInteger(target.number) || target.number <= 0)
    return `PR number ${target.number} is not a positive integer`;
  if ('sha' in target && !isCommitId(target.sha))
    return `head ${JSON.stringify(target.sha)} is not a full lower-case commit id`;
  if ('ref' in target && target.ref !== undefined) {
    const problem = branchNameProblem(target.ref);
    if (problem !== undefined) return `PR head branch ${JSON.stringify(target.ref)} ${problem}`;
  }
  return undefined;
}

export function validateAgentName(name: string): string | undefined {
  return AGENT_NAME.test(name)
    ? undefined
    : `agent name ${JSON.stringify(name)} must be lower-case letters, digits and -`;
}

export function validateAcquire(request: AcquireRequest): string | undefined {
  return validateRepo(request.repo) ?? validateAgentName(request.agent.name) ?? validateTarget(request.target);
}
