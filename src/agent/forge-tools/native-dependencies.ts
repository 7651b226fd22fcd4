/**
 * The forge's own issue dependencies, set to match a story's footer (decisions.md §53). The footer
 * is what the service reads first; the native edges mirror it where the forge keeps them, so a
 * person sees "blocked by" in the forge and the forge refuses to close a story early. A forge
 * that keeps none (404: dependencies turned off, or a server older than the endpoints) is said
 * once in the log, and the footers carry the edges alone: it never fails a plan. Only edges
 * within the run's repository are touched; a person's dependency on another repository's issue
 * stays.
 */
import { forgeFailure } from './tool-result.js';
import type { ToolContext } from './tool-context.js';
import { refs } from './story-checks.js';

export type NativeOutcome =
  | { readonly kind: 'set'; readonly added: readonly number[]; readonly removed: readonly number[] }
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Makes `story`'s native dependencies within the repository exactly `wanted`. `fresh`: the story
 * was just opened and has none yet (the list is not read).
 */
export async function setNativeDependencies(
  ctx: ToolContext,
  story: number,
  wanted: readonly number[],
  fresh = false,
): Promise<NativeOutcome> {
  if (ctx.nativeDependencies === 'unsupported') return { kind: 'unsupported' };
  if (fresh && wanted.length === 0) return { kind: 'set', added: [], removed: [] };
  const repo = ctx.repo.fullName;
  try {
    const listed = fresh ? [] : await ctx.client.listDependencies(repo, story);
    if (listed === 'unsupported') return unsupported(ctx, story);
    const have = listed
      .filter((dependency) => dependency.repo.toLowerCase() === repo.toLowerCase())
      .map((dependency) => dependency.number);
    const added = wanted.filter((number) => !have.includes(number));
    const removed = have.filter((number) => !wanted.includes(number));
    for (const number of added)
      if ((await ctx.client.addDependency(repo, story, number)) === 'unsupported') return unsupported(ctx, story);
    for (const number of removed)
      if ((await ctx.client.removeDependency(repo, story, number)) === 'unsupported') return unsupported(ctx, story);
    ctx.nativeDependencies = 'supported';
    return { kind: 'set', added, removed };
  } catch (error) {
    const said = forgeFailure(`Setting the forge's dependencies of #${story}`, error).content[0];
    return { kind: 'failed', reason: said?.type === 'text' ? said.text : String(error) };
  }
}

/** One sentence for the agent about the native edges. */
export function describeNative(outcome: NativeOutcome, story: number, wanted: readonly number[]): string {
  if (outcome.kind === 'unsupported')
    return 'The forge keeps no issue dependencies in this repository: the footer alone carries them.';
  if (outcome.kind === 'failed')
    return `${outcome.reason} The footer is written; call set_dependencies for #${story} again to set the forge's dependencies.`;
  return `The forge's dependencies of #${story} are ${refs(wanted)}.`;
}

function unsupported(ctx: ToolContext, story: number): NativeOutcome {
  if (ctx.nativeDependencies !== 'unsupported')
    ctx.log.warn(
      { repo: ctx.repo.fullName, issue: story },
      "the forge keeps no issue dependencies in this repository (404): stories' ## Dependencies footers alone carry the edges",
    );
  ctx.nativeDependencies = 'unsupported';
  return { kind: 'unsupported' };
}
