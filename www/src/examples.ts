// Saved example queries, written for what runql's tables hold (the demo sweep's metrics
// are val/loss, val/accuracy, train/loss, train/lr, train/grad_norm, system/throughput;
// its params are model_size, lr, batch_size, dropout, optimizer, warmup_steps, seed).

export interface Example {
  title: string;
  sql: string;
}

export const EXAMPLES: Example[] = [
  {
    title: "Rank runs by final val/loss",
    sql: `SELECT r.name,
       w."params.model_size" AS model_size,
       w."params.lr" AS lr,
       w."params.batch_size" AS batch_size,
       s.last AS final_val_loss,
       s.min AS best_val_loss,
       s.min_step AS best_step
FROM metric_summary s
JOIN runs r USING (run_id)
JOIN runs_wide w USING (run_id)
WHERE s.key = 'val/loss' AND NOT isnan(s.last)
ORDER BY final_val_loss
LIMIT 20`,
  },
  {
    title: "Best lr per model_size",
    sql: `-- mean final val/loss over seeds, best learning rate first
SELECT w."params.model_size" AS model_size, w."params.lr" AS lr,
       avg(s.last) AS mean_final_val_loss, stddev(s.last) AS sd, count(*) AS runs
FROM metric_summary s JOIN runs_wide w USING (run_id)
WHERE s.key = 'val/loss' AND NOT isnan(s.last)
GROUP BY 1, 2
ORDER BY model_size, mean_final_val_loss`,
  },
  {
    title: "Runs that diverged",
    sql: `-- a metric that went NaN (nan_count counts the NaN points)
SELECT r.name, s.key, s.nan_count, s.count AS points, s.min AS best, s.min_step AS best_step
FROM metric_summary s JOIN runs r USING (run_id)
WHERE s.nan_count > 0
ORDER BY s.nan_count DESC, r.name, s.key`,
  },
  {
    title: "Mean ± std of final accuracy across seeds",
    sql: `-- one row per configuration (every param but the seed)
SELECT w."params.model_size" AS model_size, w."params.lr" AS lr, w."params.batch_size" AS batch_size,
       w."params.dropout" AS dropout, w."params.optimizer" AS optimizer, w."params.warmup_steps" AS warmup,
       avg(s.last) AS mean_final_accuracy, stddev(s.last) AS std, count(*) AS seeds
FROM metric_summary s JOIN runs_wide w USING (run_id)
WHERE s.key = 'val/accuracy' AND NOT isnan(s.last)
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY mean_final_accuracy DESC`,
  },
];
