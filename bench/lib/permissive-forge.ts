/**
 * A forge client for benchmarks that never leave the process: everyone may write, no repository
 * has anything to poll, and any other call fails loudly (so a benchmark that starts to depend on
 * the forge says so instead of measuring a network it does not have).
 */
import type { ForgeClient } from '../../src/forge/client.js';

export function permissiveForge(): ForgeClient {
  const unused = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    whoami: unused,
    getRepository: unused,
    getIssue: unused,
    getPull: unused,
    listIssuesUpdatedSince: async () => [],
    listCommentsUpdatedSince: async () => [],
    createComment: unused,
    getPermission: async () => 'write',
    listTimelineSince: async () => [],
    listIssueComments: unused,
    listPulls: unused,
    getPullDiffStat: unused,
    listPullReviews: unused,
    listReviewComments: unused,
    editComment: unused,
    deleteComment: unused,
    findOpenPull: unused,
    createPull: unused,
    requestReviewers: unused,
    submitReview: unused,
    addLabels: unused,
    removeLabel: unused,
    createIssue: unused,
    editIssueBody: unused,
    listDependencies: unused,
    addDependency: unused,
    removeDependency: unused,
    editPullBase: unused,
  };
}
