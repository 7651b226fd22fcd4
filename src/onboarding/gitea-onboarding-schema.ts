/** The fields onboarding reads from Gitea's admin, token, hook, label and protection answers. */
import { z } from 'zod';

export const AccountData = z.object({
  login: z.string(),
  full_name: z.string().nullish(),
  email: z.string().nullish(),
});
export const CreatedToken = z.object({ sha1: z.string().min(1) });
export const PermissionData = z.object({ permission: z.string() });
export const LabelData = z.object({ id: z.number().int(), name: z.string() });
export const HookData = z.object({
  id: z.number().int(),
  active: z.boolean(),
  events: z.array(z.string()).nullish(),
  config: z.record(z.string(), z.string()).nullish(),
});
export const RepositoryData = z.object({ default_branch: z.string() });
export const ProtectionData = z.object({ rule_name: z.string().nullish(), branch_name: z.string().nullish() });
/** A rule's fields init and doctor judge (Gitea's `BranchProtection`); Go's unset slices come as null. */
export const BranchRuleData = z.object({
  enable_push: z.boolean(),
  enable_push_whitelist: z.boolean(),
  push_whitelist_usernames: z.array(z.string()).nullish(),
  required_approvals: z.number().int(),
  dismiss_stale_approvals: z.boolean(),
  enable_approvals_whitelist: z.boolean(),
  approvals_whitelist_username: z.array(z.string()).nullish(),
  enable_merge_whitelist: z.boolean(),
  merge_whitelist_usernames: z.array(z.string()).nullish(),
});
export const OrgRepoData = z.object({ full_name: z.string() });
