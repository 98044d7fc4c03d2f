import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: keep child processes and servers from starving each other.
    maxWorkers: 2,
    // CI runs files and tests in a random order so no test can lean on another's leftovers.
    // The banner prints the seed; replay a failure with `npx vitest run --sequence.shuffle --sequence.seed=<seed>`.
    sequence: { shuffle: Boolean(process.env.CI) },
  },
})
