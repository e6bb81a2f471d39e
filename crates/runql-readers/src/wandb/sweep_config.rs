//! W&B sweep configs (`sweep.yaml`, what `wandb sweep` is given): recognizing one and
//! turning it into the `wandb.sweep.*` tags its runs get.
//!
//! A sweep config is a YAML mapping with top-level `method:` and `parameters:` keys:
//!
//! ```yaml
//! method: bayes
//! metric: {name: val/loss, goal: minimize}
//! parameters:
//!   lr: {distribution: log_uniform_values, min: 1e-4, max: 1e-1}
//!   batch_size: {values: [16, 32, 64]}
//!   optimizer:
//!     parameters:
//!       momentum: {min: 0.8, max: 0.99}
//! ```
//!
//! Tags made from it: `wandb.sweep.method`, `wandb.sweep.metric` (`metric.name`),
//! `wandb.sweep.goal` (`minimize` when the metric has none: W&B's default),
//! `wandb.sweep.target`, `wandb.sweep.name`, `wandb.sweep.run_cap`,
//! `wandb.sweep.early_terminate` (`hyperband(min_iter=3,eta=2)`), `wandb.sweep.config` (the
//! file it came from), and one `wandb.sweep.param.<name>` per parameter (nested `parameters:`
//! joined with `.`, as the run's config params are) describing its search space; see
//! [`describe`]. Other top-level keys (`program`, `command`, `project`, `entity`, …) are
//! counted in the report.

use super::yaml;
use crate::json_lenient::JsonValue;

/// Sweep configs larger than this are not looked at (real ones are a few hundred bytes).
pub const MAX_SWEEP_CONFIG_BYTES: u64 = 1 << 20;

/// Top-level keys turned into tags (besides `parameters`).
const TAGGED: [&str; 5] = ["method", "metric", "name", "run_cap", "early_terminate"];

/// True when `path` names a YAML file that could be a sweep config: `.yaml`/`.yml`, not
/// MLflow's `meta.yaml`, not a file saved with a run (`files/`), not an agent's per-run
/// `sweep-<id>/config-<run>.yaml`.
///
/// ```
/// use runql_readers::wandb::sweep_config::is_candidate_name;
/// assert!(is_candidate_name("sweep.yaml"));
/// assert!(is_candidate_name("wandb/sweep-abc/sweep.yml"));
/// assert!(!is_candidate_name("wandb/sweep-abc/config-r1.yaml"));
/// assert!(!is_candidate_name("mlruns/0/meta.yaml"));
/// assert!(!is_candidate_name("wandb/run-1-x/files/sweep.yaml"));
/// ```
pub fn is_candidate_name(path: &str) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    let lower = name.to_ascii_lowercase();
    let folder = dir.rsplit('/').next().unwrap_or(dir);
    (lower.ends_with(".yaml") || lower.ends_with(".yml"))
        && lower != "meta.yaml"
        && !dir.split('/').any(|c| c == "files")
        && !(folder.starts_with("sweep-") && lower.starts_with("config-"))
}

/// True when `head` (a file's first bytes) has top-level `method:` and `parameters:` keys.
///
/// ```
/// use runql_readers::wandb::sweep_config::looks_like_sweep_config;
/// assert!(looks_like_sweep_config(b"program: train.py\nmethod: grid\nparameters:\n  lr: {values: [1, 2]}\n"));
/// assert!(!looks_like_sweep_config(b"method: grid\n"));
/// assert!(!looks_like_sweep_config(b"opt:\n  method: grid\n  parameters: {}\n"));
/// ```
pub fn looks_like_sweep_config(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let top = |key: &str| {
        text.lines().any(|l| {
            let l = l.trim_start_matches('\u{feff}');
            l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    };
    top("method") && top("parameters")
}

/// A sweep config read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// `method` (`grid`, `random`, `bayes`, …).
    pub method: String,
    /// `(tag key, value)` for every run of the sweep, `wandb.sweep.param.*` included.
    pub tags: Vec<(String, String)>,
    /// Parameter names (nested ones joined with `.`), in file order.
    pub params: Vec<String>,
    /// Top-level keys that are not tabulated.
    pub other_keys: Vec<String>,
}

/// Parses a sweep config.
///
/// ```
/// use runql_readers::wandb::sweep_config::parse;
/// let c = parse(b"method: random\nparameters:\n  bs: {values: [16, 32]}\n").unwrap();
/// assert_eq!(c.params, ["bs"]);
/// assert!(c.tags.contains(&("wandb.sweep.param.bs".into(), "values[16,32]".into())));
/// ```
///
/// # Errors
/// `(line, why)` when the YAML does not parse or is not a sweep config (no string
/// `method`, no `parameters` mapping).
pub fn parse(bytes: &[u8]) -> Result<SweepConfig, (Option<u64>, String)> {
    let doc =
        yaml::parse(bytes).map_err(|e| (e.line, format!("sweep config does not parse: {}", e.message)))?;
    let JsonValue::Object(entries) = &doc else {
        return Err((None, "a sweep config must be a mapping".into()));
    };
    let method = match doc.get("method") {
        Some(JsonValue::Str(m)) if !m.is_empty() => m.clone(),
        _ => return Err((None, "a sweep config needs a `method` (grid, random, bayes)".into())),
    };
    let Some(JsonValue::Object(parameters)) = doc.get("parameters") else {
        return Err((None, "a sweep config needs a `parameters` mapping".into()));
    };
    let mut tags = vec![("wandb.sweep.method".to_string(), method.clone())];
    if let Some(metric) = doc.get("metric") {
        match metric.get("name") {
            Some(name) => {
                tags.push(("wandb.sweep.metric".into(), name.to_text()));
                let goal = metric.get("goal").map_or_else(|| "minimize".to_string(), JsonValue::to_text);
                tags.push(("wandb.sweep.goal".into(), goal));
                if let Some(t) = metric.get("target") {
                    tags.push(("wandb.sweep.target".into(), t.to_text()));
                }
            }
            // Not the documented shape: kept whole rather than dropped.
            None => tags.push(("wandb.sweep.metric".into(), metric.to_text())),
        }
    }
    for key in ["name", "run_cap"] {
        if let Some(v) = doc.get(key).filter(|v| **v != JsonValue::Null) {
            tags.push((format!("wandb.sweep.{key}"), v.to_text()));
        }
    }
    if let Some(et) = doc.get("early_terminate") {
        tags.push(("wandb.sweep.early_terminate".into(), early_terminate(et)));
    }
    let mut params = Vec::new();
    flatten(parameters, "", 0, &mut params);
    for (name, spec) in &params {
        tags.push((format!("wandb.sweep.param.{name}"), describe(spec)));
    }
    let other_keys = entries
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| k != "parameters" && !TAGGED.contains(&k.as_str()))
        .collect();
    Ok(SweepConfig { method, tags, params: params.into_iter().map(|(n, _)| n).collect(), other_keys })
}

/// Nested `parameters:` deeper than this are described as they are, not descended into.
const MAX_NESTING: usize = 16;

/// `(dotted name, spec)` of every parameter; a spec with its own `parameters` mapping is a
/// dict parameter whose members are named `<name>.<member>`.
fn flatten<'a>(
    parameters: &'a [(String, JsonValue)],
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, &'a JsonValue)>,
) {
    for (name, spec) in parameters {
        let full = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match spec.get("parameters") {
            Some(JsonValue::Object(inner)) if depth < MAX_NESTING => flatten(inner, &full, depth + 1, out),
            _ => out.push((full, spec)),
        }
    }
}

/// A compact description of one parameter's search space:
///
/// - `values: [...]` → `values[16,32,64]` (items as JSON), then ` probabilities[0.7,0.3]`
///   when given;
/// - `value: x` → `value[x]`;
/// - anything else → `<distribution>[min,max,key=value,…]` with the distribution as written
///   or as W&B infers it (integer `min` and `max` → `int_uniform`, else `uniform`) and every
///   other key (`mu`, `sigma`, `q`, …) as `key=value`; a spec that is not a mapping, as JSON.
///
/// ```
/// use runql_readers::wandb::{sweep_config::describe, yaml::parse};
/// let d = |s: &str| describe(&parse(s.as_bytes()).unwrap());
/// assert_eq!(d("{distribution: log_uniform_values, min: 1.0e-4, max: 0.1}"), "log_uniform_values[0.0001,0.1]");
/// assert_eq!(d("{min: 1, max: 8}"), "int_uniform[1,8]");
/// assert_eq!(d("{min: 0.0, max: 0.5}"), "uniform[0.0,0.5]");
/// assert_eq!(d("{values: [adam, sgd], probabilities: [0.7, 0.3]}"), r#"values["adam","sgd"] probabilities[0.7,0.3]"#);
/// assert_eq!(d("{value: 10}"), "value[10]");
/// assert_eq!(d("{distribution: q_normal, mu: 0, sigma: 1, q: 0.5}"), "q_normal[mu=0,sigma=1,q=0.5]");
/// ```
pub fn describe(spec: &JsonValue) -> String {
    let JsonValue::Object(entries) = spec else { return spec.to_json() };
    if let Some(values) = spec.get("values") {
        let mut out = format!("values{}", bracketed(values));
        if let Some(p) = spec.get("probabilities") {
            out += &format!(" probabilities{}", bracketed(p));
        }
        return out;
    }
    if let Some(value) = spec.get("value") {
        return format!("value[{}]", value.to_json());
    }
    let (min, max) = (spec.get("min"), spec.get("max"));
    let distribution = match spec.get("distribution") {
        Some(d) => d.to_text(),
        None => match (min, max) {
            (Some(JsonValue::Int(_)), Some(JsonValue::Int(_))) => "int_uniform".into(),
            (Some(_), Some(_)) => "uniform".into(),
            _ => return spec.to_json(),
        },
    };
    let mut args: Vec<String> = [min, max].into_iter().flatten().map(JsonValue::to_json).collect();
    for (k, v) in entries {
        if !matches!(k.as_str(), "min" | "max" | "distribution") {
            args.push(format!("{k}={}", v.to_json()));
        }
    }
    format!("{distribution}[{}]", args.join(","))
}

/// A list as `[a,b]` (JSON items); anything else in brackets as JSON.
fn bracketed(v: &JsonValue) -> String {
    match v {
        JsonValue::Array(_) => v.to_json(),
        other => format!("[{}]", other.to_json()),
    }
}

/// `{type: hyperband, min_iter: 3, eta: 2}` → `hyperband(min_iter=3,eta=2)`.
fn early_terminate(v: &JsonValue) -> String {
    let JsonValue::Object(entries) = v else { return v.to_text() };
    let kind = v.get("type").map_or_else(String::new, JsonValue::to_text);
    let args: Vec<String> =
        entries.iter().filter(|(k, _)| k != "type").map(|(k, x)| format!("{k}={}", x.to_json())).collect();
    format!("{kind}({})", args.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &[u8] = b"program: train.py
method: bayes
metric:
  name: validation_loss
  goal: maximize
  target: 0.1
parameters:
  learning_rate: {min: 0.0001, max: 0.1}
  batch_size:    {values: [16, 32, 64]}
  epochs:        {value: 10}
  dropout:       {distribution: log_uniform_values, min: 1e-4, max: 1e-1}
  optimizer:
    parameters:
      name: {values: [\"adam\", \"sgd\"]}
      momentum: {distribution: q_uniform, min: 0.8, max: 0.99, q: 0.01}
early_terminate: {type: hyperband, min_iter: 3, eta: 2}
run_cap: 50
command:
  - ${env}
  - ${interpreter}
  - ${program}
  - ${args}
";

    #[test]
    fn the_documented_example() {
        let c = parse(DOC).unwrap();
        assert_eq!(c.method, "bayes");
        assert_eq!(
            c.params,
            ["learning_rate", "batch_size", "epochs", "dropout", "optimizer.name", "optimizer.momentum"]
        );
        assert_eq!(c.other_keys, ["program", "command"]);
        let tag = |k: &str| c.tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(tag("wandb.sweep.metric"), Some("validation_loss"));
        assert_eq!(tag("wandb.sweep.goal"), Some("maximize"));
        assert_eq!(tag("wandb.sweep.target"), Some("0.1"));
        assert_eq!(tag("wandb.sweep.run_cap"), Some("50"));
        assert_eq!(tag("wandb.sweep.early_terminate"), Some("hyperband(min_iter=3,eta=2)"));
        assert_eq!(tag("wandb.sweep.param.learning_rate"), Some("uniform[0.0001,0.1]"));
        assert_eq!(tag("wandb.sweep.param.batch_size"), Some("values[16,32,64]"));
        assert_eq!(tag("wandb.sweep.param.epochs"), Some("value[10]"));
        assert_eq!(tag("wandb.sweep.param.dropout"), Some("log_uniform_values[0.0001,0.1]"));
        assert_eq!(tag("wandb.sweep.param.optimizer.name"), Some(r#"values["adam","sgd"]"#));
        assert_eq!(tag("wandb.sweep.param.optimizer.momentum"), Some("q_uniform[0.8,0.99,q=0.01]"));
    }

    #[test]
    fn defaults_and_odd_specs() {
        let c = parse(b"method: grid\nmetric: {name: loss}\nparameters:\n  a: 3\n  b: {distribution: constant}\n  c: {values: 5}\n").unwrap();
        let tag = |k: &str| c.tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(tag("wandb.sweep.goal").as_deref(), Some("minimize"));
        assert_eq!(tag("wandb.sweep.param.a").as_deref(), Some("3"));
        assert_eq!(tag("wandb.sweep.param.b").as_deref(), Some("constant[]"));
        assert_eq!(tag("wandb.sweep.param.c").as_deref(), Some("values[5]"));
        let c = parse(b"method: grid\nparameters:\n  x: {foo: 1}\n").unwrap();
        assert_eq!(c.tags.last().map(|(_, v)| v.as_str()), Some(r#"{"foo":1}"#));
    }

    #[test]
    fn not_sweep_configs() {
        assert!(parse(b"parameters: {}\n").unwrap_err().1.contains("method"));
        assert!(parse(b"method: grid\nparameters: [a]\n").unwrap_err().1.contains("parameters"));
        assert!(parse(b"- a\n").is_err());
        let (line, why) = parse(b"method: grid\nparameters: {a: [1, 2}\n").unwrap_err();
        assert!(line.is_some() && why.contains("does not parse"), "{why}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "(method: grid\nparameters:\n)?[a-z0-9:'\"\\[\\]{}, \n-]{0,200}") {
            let _ = parse(s.as_bytes());
        }
    }
}
