import { createServer } from 'node:http'
import { once } from 'node:events'
import type { TestProject } from 'vitest/node'
import { startPostgres, type PostgresServer } from './server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where a test file asks for the run's shared PostgreSQL (see database.ts). */
    postgresStarter: string
  }
}

/**
 * One PostgreSQL server for the whole run, started only when a test file
 * first asks for it: runs that touch no Postgres test pay nothing. Test files
 * run in workers, which cannot share a child process, so they ask this
 * process over loopback HTTP; each then works in a database of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: Promise<PostgresServer> | undefined
  const starter = createServer((_request, response) => {
    server ??= startPostgres()
    server.then(
      (started) => response.end(JSON.stringify({ url: started.url() })),
      (error: unknown) => {
        response.statusCode = 500
        response.end(error instanceof Error ? error.message : String(error))
      },
    )
  })
  starter.listen(0, '127.0.0.1')
  await once(starter, 'listening')
  project.provide('postgresStarter', `http://127.0.0.1:${(starter.address() as { port: number }).port}`)

  return async () => {
    starter.close()
    await (await server?.catch(() => undefined))?.close()
  }
}
