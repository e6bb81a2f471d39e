//! Collecting runs across every table file of a tree: one run can be spread over several
//! files (the MLflow UI exports one CSV per chart; a wide runs table and long metric
//! tables describe the same runs), so runs are merged by id before they are added.

use std::collections::{BTreeMap, HashMap};

use super::FORMAT_NAME;
use runql_core::model::{MetricSeries, RunData, RunInfo};
use runql_core::report::LoadReport;

/// One run being assembled.
#[derive(Debug, Default)]
pub(crate) struct RunAcc {
    pub info: RunInfo,
    params: Vec<(String, String)>,
    param_index: HashMap<String, usize>,
    tags: Vec<(String, Option<String>)>,
    tag_index: HashMap<String, usize>,
    series: HashMap<String, MetricSeries>,
    series_order: Vec<String>,
    /// Run-level (last) values of a wide table: `(key, value)`.
    finals: Vec<(String, f64)>,
}

/// Runs by id, in first-seen order of ids.
#[derive(Debug, Default)]
pub(crate) struct Runs {
    runs: HashMap<String, RunAcc>,
    order: Vec<String>,
}

impl Runs {
    /// The run `id`, created (with `origin`) when new.
    pub fn run(&mut self, id: &str, origin: &str) -> &mut RunAcc {
        self.runs.entry(id.to_string()).or_insert_with(|| {
            self.order.push(id.to_string());
            RunAcc {
                info: RunInfo {
                    run_id: id.to_string(),
                    source: FORMAT_NAME.to_string(),
                    origin: origin.to_string(),
                    ..RunInfo::default()
                },
                ..RunAcc::default()
            }
        })
    }

    /// The finished runs; a wide table's value of a key that also has a series in a long
    /// table is dropped (it is that series' last value) and counted in `report`.
    pub fn finish(mut self, report: &mut LoadReport) -> Vec<RunData> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .filter_map(|id| self.runs.remove(&id))
            .map(|mut acc| {
                let mut metrics: Vec<MetricSeries> =
                    acc.series_order.iter().filter_map(|k| acc.series.remove(k)).map(shrunk).collect();
                let mut dup = 0;
                let have: BTreeMap<String, ()> = metrics.iter().map(|s| (s.key.clone(), ())).collect();
                for (key, value) in acc.finals {
                    if have.contains_key(&key) {
                        dup += 1;
                        continue;
                    }
                    // Exactly one point: `push` would reserve room for four in each column,
                    // and a wide table has one such series per run and metric column.
                    metrics.push(MetricSeries {
                        key,
                        steps: vec![0],
                        timestamps: vec![None],
                        values: vec![value],
                    });
                }
                report
                    .ignore("run-level metric values of wide tables that a long table has as a series", dup);
                RunData { info: acc.info, params: acc.params, tags: acc.tags, metrics }
            })
            .collect()
    }
}

/// `series` without the spare room its columns grew while points were appended (up to
/// as much again as they hold), which would otherwise be carried until the tables are built.
fn shrunk(mut series: MetricSeries) -> MetricSeries {
    series.steps.shrink_to_fit();
    series.timestamps.shrink_to_fit();
    series.values.shrink_to_fit();
    series
}

impl RunAcc {
    /// Sets `slot` when it is still empty (the first file to name an attribute wins).
    pub fn fill(slot: &mut Option<String>, value: &str) {
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }

    /// Adds a param; `Err` with the kept value when the key already has another value.
    pub fn param(&mut self, key: &str, value: &str) -> Result<(), String> {
        match self.param_index.get(key).and_then(|&i| self.params.get(i)) {
            Some((_, old)) if old == value => Ok(()),
            Some((_, old)) => Err(old.clone()),
            None => {
                self.param_index.insert(key.to_string(), self.params.len());
                self.params.push((key.to_string(), value.to_string()));
                Ok(())
            }
        }
    }

    /// Adds a tag; `Err` with the kept value when the key already has another value.
    pub fn tag(&mut self, key: &str, value: Option<&str>) -> Result<(), Option<String>> {
        match self.tag_index.get(key).and_then(|&i| self.tags.get(i)) {
            Some((_, old)) if old.as_deref() == value => Ok(()),
            Some((_, old)) => Err(old.clone()),
            None => {
                self.tag_index.insert(key.to_string(), self.tags.len());
                self.tags.push((key.to_string(), value.map(str::to_string)));
                Ok(())
            }
        }
    }

    /// The series of `key`, created when new.
    pub fn series(&mut self, key: &str) -> &mut MetricSeries {
        self.series.entry(key.to_string()).or_insert_with(|| {
            self.series_order.push(key.to_string());
            MetricSeries::new(key)
        })
    }

    /// A run-level value of a wide table.
    pub fn final_value(&mut self, key: &str, value: f64) {
        self.finals.push((key.to_string(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's series are held until the tables are built; spare room in them was carried
    /// all that while (a wide table's one-point series each had room for four points).
    #[test]
    fn finished_series_hold_no_spare_room() {
        let mut runs = Runs::default();
        let run = runs.run("r1", "t.csv");
        for i in 0..1000 {
            run.series("loss").push(i, None, 0.5);
        }
        run.final_value("acc", 0.9);
        let mut report = LoadReport::default();
        let done = runs.finish(&mut report);
        let metrics = &done[0].metrics;
        assert_eq!(
            metrics.iter().map(|s| (s.key.as_str(), s.len())).collect::<Vec<_>>(),
            [("loss", 1000), ("acc", 1)]
        );
        for s in metrics {
            let room = [s.steps.capacity(), s.timestamps.capacity(), s.values.capacity()];
            assert_eq!(room, [s.len(); 3], "{}", s.key);
        }
    }
}
