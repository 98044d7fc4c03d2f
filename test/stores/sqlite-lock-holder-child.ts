/**
 * Holds the write lock of a SQLite file for a while, as another process
 * sharing the bridge's store might (see sqlite-busy.test.ts).
 * argv: path holdMs. Prints "locked" once it holds the lock, "released" after COMMIT.
 */
import { DatabaseSync } from 'node:sqlite'

const [path = '', holdMs = '0'] = process.argv.slice(2)
const db = new DatabaseSync(path)
db.exec('PRAGMA busy_timeout = 5000')
db.exec('BEGIN IMMEDIATE')
process.stdout.write('locked\n')
setTimeout(() => {
  db.exec('COMMIT')
  db.close()
  process.stdout.write('released\n')
}, Number(holdMs))
