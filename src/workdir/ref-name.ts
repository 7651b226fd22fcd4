/**
 * Branch names and commit ids arrive in webhook payloads, so they are checked before git sees
 * them: the rules of `git check-ref-format --branch` (the tests compare against git itself), plus
 * a length limit git does not have — a loose ref is a file, and `<component>.lock` must still fit
 * in a 255-byte file name.
 */

const MAX_COMPONENT_BYTES = 250;
const MAX_NAME_BYTES = 1024;
// Control characters, DEL, space and the characters git reserves for revision syntax.
const FORBIDDEN = /[\x00-\x20\x7f~^:?*[\\]/;

/** Why a branch name is refused, or undefined when git would accept it as a branch. */
export function branchNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (Buffer.from(name, 'utf8').toString('utf8') !== name) return 'is not valid unicode';
  if (name === '@' || name === 'HEAD') return `is the reserved name ${name}`;
  if (name.startsWith('-')) return 'starts with "-"';
  if (FORBIDDEN.test(name)) return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.endsWith('.')) return 'ends with "."';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `is longer than ${MAX_NAME_BYTES} bytes`;
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return 'has a component starting with "."';
    if (component.endsWith('.lock')) return 'has a component ending with ".lock"';
    if (Buffer.byteLength(component) > MAX_COMPONENT_BYTES)
      return `has a component longer than ${MAX_COMPONENT_BYTES} bytes`;
  }
  return undefined;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isCommitId(value: string): boolean {
  return SHA.test(value);
}

/** `issue-<N>-<slug of the title>`, the branch a writer agent works on for an issue. */
export function issueBranchName(issueNumber: number, title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return words === '' ? `issue-${issueNumber}` : `issue-${issueNumber}-${words}`;
}
