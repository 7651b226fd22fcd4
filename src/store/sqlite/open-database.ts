/**
 * Opens (creating if needed) the SQLite database under the data dir and brings its schema up to
 * date. WAL with `synchronous=NORMAL`: a commit does not fsync by itself — the group committer
 * (`group-commit.ts`) fsyncs the WAL after each batch, off the event loop, before any caller
 * hears that its write is done. Writes outside the committer (migrations) are made at start-up.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tightenIfPresent } from '../../lib/private-files.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ':memory:') createPrivately(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * The database holds every delivery body: it is made 0600 before SQLite opens it, and SQLite
 * gives its `-wal` and `-shm` the database's own mode. Files left looser by an older release are
 * tightened here.
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  ensurePrivateFile(file);
  for (const suffix of ['-wal', '-shm', '-journal']) tightenIfPresent(`${file}${suffix}`, PRIVATE_FILE_MODE);
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this release knows (${MIGRATIONS.length}): run the newer release, or restore a backup`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
