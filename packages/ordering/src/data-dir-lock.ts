/**
 * A lock on an orderer data directory, so two orderers never append to the same log. The lock
 * file holds the owner's pid; a lock left by a process that died (kill -9) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BsnError } from '@bsn/core';

const heldInThisProcess = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held directory lock. */
export class DataDirLock {
  private constructor(private readonly file: string) {}

  /** Takes the lock on `dir`; throws BSN_ORDERING_LOCKED while another live orderer holds it. */
  static acquire(dir: string): DataDirLock {
    const file = join(dir, 'LOCK');
    if (heldInThisProcess.has(file)) {
      throw new BsnError(
        'BSN_ORDERING_LOCKED',
        `orderer data directory ${dir} is already open in this process`,
        {
          details: { dir },
        },
      );
    }
    let owner: number | undefined;
    try {
      owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new BsnError(
        'BSN_ORDERING_LOCKED',
        `orderer data directory ${dir} is in use by process ${owner}`,
        {
          details: { dir, pid: owner },
        },
      );
    }
    writeFileSync(file, String(process.pid));
    heldInThisProcess.add(file);
    return new DataDirLock(file);
  }

  /** Releases the lock. */
  release(): void {
    heldInThisProcess.delete(this.file);
    rmSync(this.file, { force: true });
  }
}
