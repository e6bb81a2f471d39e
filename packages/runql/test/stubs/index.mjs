// Stands in for src/index.js inside src/worker.js (see hooks.mjs): RunQL.init() gives the
// instance the test put in globalThis.runqlTestDb.

export const RunQL = {
  async init() {
    return globalThis.runqlTestDb;
  },
};
