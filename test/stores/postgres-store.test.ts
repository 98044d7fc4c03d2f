import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { openPostgresStore, type PostgresStore } from '../../src/stores/postgres-store.ts'
import { freshDatabase, type TestDatabase } from '../helpers/postgres/database.ts'
import { runStoreContract } from './contract.ts'

let database: TestDatabase

beforeAll(async () => {
  database = await freshDatabase()
})
afterAll(async () => {
  await database?.drop()
})

/** A store on tables of its own: each test starts from an empty schema. */
const freshStore = async (): Promise<PostgresStore> => openPostgresStore({ url: await database.schemaUrl() })

describe('openPostgresStore: contract', () => {
  runStoreContract(freshStore)
})
