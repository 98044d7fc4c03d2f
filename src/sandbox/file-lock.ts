import { randomUUID } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export interface FileLock {
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void
}

/** Locks taken by this process: a lock naming our own pid but absent here was left by an earlier process that had the same pid (a restarted container's pid 1). */
const heldHere = new Set<string>()

/**
 * Claims `lockPath` for this process, or throws naming the process that
 * holds it. The lock file holds the owner's pid; a lock whose owner is no
 * longer running (a server killed with kill -9) is taken over.
 */
export function acquireFileLock(path: string, inUse: (ownerPid: number) => string): FileLock {
  const lockPath = resolve(path)
  mkdirSync(dirname(lockPath), { recursive: true })
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(lockPath)) return held(lockPath)
    const owner = readOwner(lockPath)
    if (owner === null) continue
    if (isRunning(owner) && (owner !== process.pid || heldHere.has(lockPath))) throw new Error(inUse(owner))
    // Stale. Moved aside atomically: if what moved is not the lock we judged
    // stale, another process took over in between, so its lock goes back.
    const aside = `${lockPath}.${process.pid}.${randomUUID()}.stale`
    try {
      renameSync(lockPath, aside)
    } catch {
      continue
    }
    if (readOwner(aside) !== owner) linkQuietly(aside, lockPath)
    unlinkSync(aside)
  }
  throw new Error(`Could not take the lock ${lockPath}: other processes kept taking it`)
}

/** The pid inside goes in before the file appears (written aside, then hard-linked), so no reader sees it empty. */
function tryCreate(lockPath: string): boolean {
  const temp = `${lockPath}.${process.pid}.${randomUUID()}.tmp`
  writeFileSync(temp, `${process.pid}\n`)
  try {
    linkSync(temp, lockPath)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkSync(temp)
  }
}

function held(lockPath: string): FileLock {
  heldHere.add(lockPath)
  let released = false
  return {
    release() {
      if (released) return
      released = true
      heldHere.delete(lockPath)
      if (readOwner(lockPath) === process.pid) unlinkSync(lockPath)
    },
  }
}

/** The owner's pid, 0 when the file holds no pid (never running), null when the file is gone. */
function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10)
    return Number.isSafeInteger(pid) && pid > 0 ? pid : 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

function isRunning(pid: number): boolean {
  if (pid === 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function linkQuietly(from: string, to: string): void {
  try {
    linkSync(from, to)
  } catch {
    // A third process holds it now; it stays theirs.
  }
}
