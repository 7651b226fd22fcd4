/**
 * The files `claude-hooks init` leaves on disk: one 0600 file per secret under `<dataDir>/secrets/`
 * (each agent's forge token, the service user's, the service's admin token), the webhook secret
 * where the service keeps a generated one (`<dataDir>/webhook-secret`), and `claude-hooks.yaml`
 * naming them with `{ file: … }`. The forge admin token is never among them.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, stat, chmod } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ROLE_POLICY } from '../config/roles.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../lib/private-files.js';
import type { AgentTemplate } from './agent-templates.js';

export interface InitLayout {
  readonly dataDir: string;
  readonly configPath: string;
}

/** An agent's token file, or the service user's (`service`). */
export const tokenFileOf = (layout: InitLayout, agent: string): string =>
  join(layout.dataDir, 'secrets', `${agent}-forge-token`);
export const serviceTokenFileOf = (layout: InitLayout): string => tokenFileOf(layout, 'service');
export const adminTokenFileOf = (layout: InitLayout): string => join(layout.dataDir, 'secrets', 'admin-token');
export const webhookSecretFileOf = (layout: InitLayout): string => join(layout.dataDir, 'webhook-secret');

export const generateSecret = (): string => randomBytes(32).toString('hex');

/** The file's trimmed content; undefined when there is none or it is empty. */
export async function readSecretFile(path: string): Promise<string | undefined> {
  try {
    const value = (await readFile(path, 'utf8')).trim();
    return value === '' ? undefined : value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the file is readable by its owner only. */
export async function isPrivate(path: string): Promise<boolean> {
  return ((await stat(path)).mode & 0o077) === 0;
}

export async function writeSecretFile(path: string, value: string): Promise<void> {
  ensurePrivateDir(dirname(path));
  await writeFile(path, `${value}\n`, { mode: PRIVATE_FILE_MODE });
  await chmod(path, PRIVATE_FILE_MODE);
}

export interface ConfigInput {
  readonly forgeUrl: string;
  readonly forgeKind: 'forgejo' | 'gitea';
  readonly publicUrl: string;
  readonly repositories: readonly string[];
  readonly agents: ReadonlyArray<AgentTemplate & { readonly login: string; readonly email: string }>;
}

/** The skill prompts shipped with the package (`skills/` beside `src/` and `dist/`). */
const SKILLS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'skills');

/** `path` as the config file names it: relative to the file's folder, starting with `.`. */
export function relativeToConfig(layout: InitLayout, path: string): string {
  const found = relative(dirname(resolve(layout.configPath)), resolve(path));
  return found.startsWith('.') ? found : `./${found}`;
}

/** `claude-hooks.yaml` with every path relative to the file and every secret a `{ file: … }` reference. */
export function renderConfig(layout: InitLayout, input: ConfigInput): string {
  const rel = (path: string): string => relativeToConfig(layout, path);
  const quote = (value: string): string => JSON.stringify(value);
  const agents = input.agents.flatMap((agent) => [
    `  ${agent.name}:`,
    `    login: ${quote(agent.login)}`,
    `    token: { file: ${quote(rel(tokenFileOf(layout, agent.name)))} }`,
    `    git: { name: ${quote(agent.fullName)}, email: ${quote(agent.email)} }`,
    `    skill: ${quote(rel(join(SKILLS_DIR, `${agent.name}.md`)))}`,
    `    worktree: ${ROLE_POLICY[agent.role].worktree}`,
    `    triggers:`,
    ...agent.triggers.map((on) => `      - on: ${on}`),
    `      - on: label`,
    `        label: ${quote(agent.label)}`,
  ]);
  return [
    '# Written by `claude-hooks init`; secrets are files under the data dir (mode 0600).',
    'server:',
    `  publicUrl: ${quote(input.publicUrl)}`,
    `dataDir: ${quote(rel(layout.dataDir))}`,
    `adminToken: { file: ${quote(rel(adminTokenFileOf(layout)))} }`,
    'forge:',
    `  kind: ${input.forgeKind}`,
    `  url: ${quote(input.forgeUrl)}`,
    `  webhookSecret: { file: ${quote(rel(webhookSecretFileOf(layout)))} }`,
    '  # Reads who may trigger an agent: a repository admin that no agent is, with a read-only token.',
    `  serviceToken: { file: ${quote(rel(serviceTokenFileOf(layout)))} }`,
    '  repositories:',
    ...input.repositories.map((repo) => `    - ${quote(repo)}`),
    'agents:',
    ...agents,
    '',
  ].join('\n');
}

/** Whether the config at `path` sets `forge.serviceToken` (however: a file, the environment). */
export async function configHasServiceToken(path: string): Promise<boolean> {
  return parseConfigDocument(path, await readFile(path, 'utf8')).hasIn(['forge', 'serviceToken']);
}

/**
 * Adds `forge.serviceToken: { file: … }` to an existing config — the one change init makes to a
 * config it did not write, because a service set up before the key existed would otherwise keep
 * reading permissions with an agent's token. Comments, order and the rest are kept as they are.
 */
export async function addServiceTokenToConfig(layout: InitLayout): Promise<void> {
  const text = await readFile(layout.configPath, 'utf8');
  const document = parseConfigDocument(layout.configPath, text);
  document.setIn(
    ['forge', 'serviceToken'],
    document.createNode({ file: relativeToConfig(layout, serviceTokenFileOf(layout)) }, { flow: true }),
  );
  await writeFile(layout.configPath, document.toString());
}

function parseConfigDocument(path: string, text: string) {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error !== undefined) throw new Error(`cannot read ${path}: ${error.message}`);
  return document;
}
