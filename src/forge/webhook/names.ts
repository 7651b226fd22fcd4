/**
 * What a name from a payload may look like before anything stores, prints or builds a URL from it
 * (docs/decisions.md §10). A signed payload is still untrusted text: the forge signs whatever its users
 * typed. The rules are the forge's own, so a real delivery always passes: Gitea allows letters,
 * digits, `-`, `_` and `.` in user, organisation and repository names (GitHub fewer), and branch
 * names follow `git check-ref-format`. Control and bidi characters are refused everywhere, so a
 * name can neither forge a log line nor read backwards on a terminal.
 */
import { UNSAFE_CHARACTER } from '../../lib/escape-text.js';

const OWNER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const REPO = /^[A-Za-z0-9_.-]{1,100}$/;

export const OWNER_RULE =
  'expected a user or organisation name the forge allows (letters, digits, -, _ and ., not starting with - or .)';
export const REPO_RULE = 'expected a repository name the forge allows (letters, digits, -, _ and ., not . or ..)';
export const ID_RULE = 'expected a positive whole number (a safe integer)';

export const isOwnerName = (value: string): boolean => OWNER.test(value);

export const isRepoName = (value: string): boolean => REPO.test(value) && value !== '.' && value !== '..';

export const isPositiveId = (value: number): boolean => Number.isSafeInteger(value) && value > 0;

/** A login shown in logs and the API: any characters the forge allows, but no control or bidi ones. */
export const hasNoUnsafeCharacter = (value: string): boolean => !UNSAFE_CHARACTER.test(value);

/**
 * Why `value` is not a ref name git would accept (`refs/heads/x` or a bare branch `x`), or
 * undefined. The rules of `git check-ref-format`, plus the control and bidi characters.
 */
export function refNameProblem(value: string): string | undefined {
  if (value === '') return 'must not be empty';
  if (value.length > 255) return 'is longer than 255 characters';
  if (UNSAFE_CHARACTER.test(value)) return 'must not contain control or bidi characters';
  if (/[ ~^:?*[\\]/.test(value)) return 'must not contain spaces or any of ~ ^ : ? * [ \\';
  if (value.includes('..') || value.includes('@{') || value.includes('//') || value === '@')
    return 'must not contain .., @{ or //, nor be @';
  if (/^[-/.]|[/.]$|\.lock$|\/\./.test(value))
    return 'must not start with - / or ., end with / . or .lock, or have a part starting with .';
  return undefined;
}
