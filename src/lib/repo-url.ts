/**
 * Where a repository lives on the configured forge: `<forge.url>/<owner>/<name>.git`, keeping a
 * sub-path in the forge URL (`https://example.com/git` → `https://example.com/git/acme/widget.git`).
 * The one place a clone URL is built (docs/decisions.md §10): the intake and the workdir both take it from
 * here, never from a payload, so git — and the credential helper answering its `401` with an
 * agent's token — only ever talks to the forge the operator configured.
 */

/** The forge URL's path without trailing slashes: '' at the root, `/git` under a sub-path. */
export function forgePathPrefix(forgeUrl: URL): string {
  return forgeUrl.pathname.replace(/\/+$/, '');
}

/** `owner` and `name` must already be valid forge names (no `/`, `?`, `#`, `%`): they are not encoded. */
export function cloneUrlOf(forgeUrl: string | URL, owner: string, name: string): string {
  const base = new URL(forgeUrl);
  return new URL(`${forgePathPrefix(base)}/${owner}/${name}.git`, base.origin).href;
}
