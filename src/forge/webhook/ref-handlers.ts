/**
 * Branch/tag deletion, push and repository payloads → `ref_deleted`, `push` and `repository`
 * events. The same shapes on every forge.
 */
import { err } from '../../lib/result.js';
import { drafted, eventBase, ignored, pickAction, type Handler } from './draft.js';
import { parsePayload } from './payload-problem.js';
import { DeletePayload, PushPayload, RepositoryPayload } from './schema.js';

/** Gitea sends the short name; Forgejo may send `refs/heads/x`. Events always carry the short one. */
export const deleteHandler: Handler = (body, context) => {
  const payload = parsePayload(DeletePayload, body);
  if (!payload.ok) return err(payload.error);
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  return drafted({
    ...base.value,
    type: 'ref_deleted',
    refType: payload.value.ref_type,
    ref: payload.value.ref.replace(/^refs\/(heads|tags)\//, ''),
  });
};

export const pushHandler: Handler = (body, context) => {
  const payload = parsePayload(PushPayload, body);
  if (!payload.ok) return err(payload.error);
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  const { ref, before, after, commits, total_commits: total } = payload.value;
  return drafted({ ...base.value, type: 'push', ref, before, after, commitCount: total ?? commits?.length ?? 0 });
};

/** Only deletions matter: they end the repository's sessions and workdirs. */
export const repositoryHandler: Handler = (body, context) => {
  const picked = pickAction(body, context, { deleted: 'deleted' });
  if (!picked.ok) return picked;
  if ('ignored' in picked.value) return ignored(picked.value.ignored);

  const payload = parsePayload(RepositoryPayload, body);
  if (!payload.ok) return err(payload.error);
  const base = eventBase(payload.value, context);
  if (!base.ok) return base;

  return drafted({ ...base.value, type: 'repository', action: picked.value.action });
};

export const pingHandler: Handler = () =>
  ignored('ping: the forge is checking that the webhook reaches this service; nothing to do');
