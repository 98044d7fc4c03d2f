import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: keep child processes and servers from starving each other.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'] } },
      // The webhook suite again, against the Supabase Auth double (test/helpers/bridge.ts reads TEST_IDENTITY).
      { extends: true, test: { name: 'webhooks-on-supabase', include: ['test/webhooks/**/*.test.ts'], env: { TEST_IDENTITY: 'supabase' } } },
    ],
  },
})
