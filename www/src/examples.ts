// Saved example queries (examples.json), written for what runql's tables hold: the demo
// sweep's metrics are val/loss, val/accuracy, train/loss, train/lr, train/grad_norm,
// system/throughput; its params are model_size, lr, batch_size, dropout, optimizer,
// warmup_steps, seed. They live in JSON so that the engine's tests run every one of them
// (crates/runql/tests/saved_queries.rs).

import saved from "./examples.json";

export interface Example {
  title: string;
  sql: string;
}

export const EXAMPLES: Example[] = saved;
