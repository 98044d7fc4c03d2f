import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: keep child processes and servers from starving each other.
    maxWorkers: 2,
    // CI runs files and tests in a random order so no test can lean on another's leftovers.
    // The banner prints the seed; replay a failure with `npx vitest run --sequence.shuffle --sequence.seed=<seed>`.
    sequence: { shuffle: Boolean(process.env.CI) },
    projects: [
      // The PostgreSQL server the store tests share is started on first use (test/helpers/postgres/).
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], globalSetup: ['test/helpers/postgres/global-setup.ts'] } },
      // The webhook suite again, against the Supabase Auth double (test/helpers/bridge.ts reads TEST_IDENTITY).
      {
        extends: true,
        test: {
          name: 'webhooks-on-supabase',
          include: ['test/webhooks/**/*.test.ts'],
          // Replays are told apart before identity is asked; that file switches identity on and off through
          // Netlify's runtime context, which only the GoTrue provider reads.
          exclude: ['test/webhooks/replays.test.ts'],
          env: { TEST_IDENTITY: 'supabase' },
        },
      },
    ],
  },
})
