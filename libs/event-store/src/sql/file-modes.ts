import * as fs from 'node:fs';
import * as path from 'node:path';

// CONTRACT.md v1.1: the data directory is 0700 and its files 0600. The event log, its write-ahead
// log and shared memory hold every person's record, and the signing key mints any token: nobody
// but the service's own user may read them, whatever the umask.

/** Creates the directory 0700, or tightens it to 0700 when it exists and is ours. */
export function ensurePrivateDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
}

/**
 * Creates the file 0600 if it is missing, and tightens it (and, for a SQLite database, its
 * `-wal`, `-shm` and `-journal` files) to 0600. SQLite gives the files it creates next to a
 * database the database file's own mode, so a 0600 database keeps its companions 0600.
 */
export function ensurePrivateFile(file: string, companions: readonly string[] = []): void {
  // A missing directory is made 0700; an existing one is the caller's (it may be the working
  // directory) and is tightened only where it is the configured data directory (ensurePrivateDirectory).
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  tighten(file, 0o600);
  for (const suffix of companions) {
    if (fs.existsSync(file + suffix)) tighten(file + suffix, 0o600);
  }
}

export const SQLITE_COMPANIONS = ['-wal', '-shm', '-journal'] as const;

function tighten(target: string, mode: number): void {
  const stat = fs.statSync(target);
  if ((stat.mode & 0o777 & ~mode) === 0) return;
  try {
    fs.chmodSync(target, (stat.mode & 0o777) & mode);
  } catch (error) {
    // Not ours (EPERM): leave it to whoever owns it rather than refuse to start.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}
