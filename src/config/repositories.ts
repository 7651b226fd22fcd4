/**
 * Repository lists of the configuration (`forge.repositories`, `milestones.repositories`,
 * `pulls.mergeWhenGreen`): `owner/name` as the operator wrote them, compared without case, as the
 * forge compares names.
 */

/** Whether `list` names the repository `fullName` (`owner/name`). */
export function namesRepository(list: readonly string[], fullName: string): boolean {
  const wanted = fullName.toLowerCase();
  return list.some((name) => name.toLowerCase() === wanted);
}

/** Whether the service works on `fullName`: `forge.repositories` names it, or is empty (every repository that sends events). */
export function worksOn(repositories: readonly string[], fullName: string): boolean {
  return repositories.length === 0 || namesRepository(repositories, fullName);
}
