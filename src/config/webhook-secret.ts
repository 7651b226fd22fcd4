/**
 * The webhook secret when none is configured: generated once, kept in the data dir (mode 0600),
 * and reused on every later start (a looser mode left by hand is tightened back to 0600). The service never accepts unsigned deliveries, so with no
 * configured secret it still has one — the operator pastes it into the forge.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tightenIfPresent } from '../lib/private-files.js';
import { Secret } from '../lib/secret.js';

export const GENERATED_SECRET_FILE = 'webhook-secret';

export function ensureWebhookSecret(dataDir: string): { secret: Secret; generated: boolean; path: string } {
  const path = join(dataDir, GENERATED_SECRET_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    tightenIfPresent(path, PRIVATE_FILE_MODE);
    if (existing !== '') return { secret: new Secret(existing), generated: false, path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const value = randomBytes(32).toString('hex');
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { secret: new Secret(value), generated: true, path };
}
