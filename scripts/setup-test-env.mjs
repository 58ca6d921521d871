// Prepares the test environment before `vitest run` (see test/harness/). Filled in by the
// harness: checks prerequisites, and under CI=true a missing one fails the run.
