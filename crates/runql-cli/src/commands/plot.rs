//! `runql plot PATH... (--spec FILE | --metric KEY) -o out.svg|out.png`.

use std::io::Write;
use std::path::Path;

use runql::Engine;
use runql_chart::preset::{CurveX, Preset};
use runql_chart::spec::{ScaleKind, Smoothing, SmoothingKind, Theme};
use runql_chart::{ChartKind, ChartSpec, DataSpec};

use crate::args::{PlotArgs, PlotTheme, PlotX};
use crate::error::{CliError, Result};
use crate::{input, run_sql};

/// Parses `--smoothing`: `0.6` (TensorBoard EMA) or `KIND:PARAM`.
pub fn parse_smoothing(text: &str) -> Result<Smoothing> {
    let (kind, param) = match text.split_once(':') {
        Some((k, p)) => (k.trim(), p.trim()),
        None => ("tb_ema", text.trim()),
    };
    let kind = match kind {
        "none" => SmoothingKind::None,
        "tb_ema" | "ema" => SmoothingKind::TbEma,
        "twema" => SmoothingKind::Twema,
        "gaussian" => SmoothingKind::Gaussian,
        "running_avg" => SmoothingKind::RunningAvg,
        other => {
            return Err(CliError::Usage(format!(
                "unknown smoothing {other:?}: use tb_ema, twema, gaussian, running_avg or none"
            )));
        }
    };
    let param = param
        .parse::<f64>()
        .map_err(|_| CliError::Usage(format!("smoothing parameter {param:?} is not a number")))?;
    Ok(Smoothing { kind, param })
}

/// The spec from `--spec` or the shortcuts, with the option flags applied.
pub fn build_spec(args: &PlotArgs) -> Result<ChartSpec> {
    let mut spec = match (&args.spec, &args.metric) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("cannot read chart spec {}: {e}", path.display())))?;
            ChartSpec::from_json(&text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
        }
        (None, Some(metric)) => ChartSpec {
            kind: ChartKind::Line,
            title: None,
            data: DataSpec::Preset(Preset::Curves {
                metric: metric.clone(),
                runs: args.runs.clone(),
                x: match args.x {
                    Some(PlotX::Time) => CurveX::Time,
                    Some(PlotX::Relative) => CurveX::Relative,
                    Some(PlotX::Step) | None => CurveX::Step,
                },
                group_by: args.group_by.clone(),
            }),
            encoding: Default::default(),
            options: Default::default(),
        },
        (None, None) => return Err(CliError::Usage("give --spec FILE or --metric KEY".into())),
    };
    if args.spec.is_some() && (args.runs.is_some() || args.group_by.is_some() || args.x.is_some()) {
        return Err(CliError::Usage(
            "--runs, --group-by and --x shape the --metric shortcut; edit the spec's data instead".into(),
        ));
    }
    let o = &mut spec.options;
    if let Some(s) = &args.smoothing {
        o.smoothing = parse_smoothing(s)?;
    }
    o.ignore_outliers |= args.ignore_outliers;
    if args.log_x {
        o.x_scale = ScaleKind::Log;
    }
    if args.log_y {
        o.y_scale = ScaleKind::Log;
    }
    if let Some(t) = args.theme {
        o.theme = match t {
            PlotTheme::Light => Theme::Light,
            PlotTheme::Dark => Theme::Dark,
        };
    }
    o.width = args.width.unwrap_or(o.width);
    o.height = args.height.unwrap_or(o.height);
    o.pixel_ratio = args.scale.unwrap_or(o.pixel_ratio);
    if args.title.is_some() {
        spec.title = args.title.clone();
    }
    spec.validate().map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(spec)
}

enum Format {
    Svg,
    Png,
}

fn format_of(path: &Path) -> Result<Format> {
    if path.as_os_str() == "-" {
        return Ok(Format::Svg);
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        _ => Err(CliError::Usage(format!(
            "{}: the output must end in .svg or .png (or be - for SVG on stdout)",
            path.display()
        ))),
    }
}

pub fn run(args: PlotArgs) -> Result<()> {
    let spec = build_spec(&args)?;
    let format = format_of(&args.output)?;
    let (loaded, elapsed) = input::load(&args.load)?;
    if !args.load.quiet {
        eprintln!("{}", input::summary_line(&loaded, elapsed));
    }
    // A spec may come from anyone: its SQL runs read-only (nothing is written or defined,
    // before or after the spec is checked) unless the user passes --writable.
    let engine = Engine::with_tables(loaded.tables, run_sql::session_options(&args.sql))?;
    let bytes = run_sql::with_timeout(args.sql.timeout, move || {
        let mut chart = engine.chart(spec)?;
        if chart.rows() == 0 {
            eprintln!(
                "warning: the chart's query returned no rows (is the metric name right? `runql query PATH -e \"SELECT DISTINCT key FROM metrics\"` lists them)"
            );
        }
        Ok(match format {
            Format::Svg => chart.svg()?.into_bytes(),
            Format::Png => chart.png()?,
        })
    })?;
    if args.output.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        out.write_all(&bytes).and_then(|()| out.flush()).map_err(|e| CliError::Output(e.to_string()))?;
    } else {
        std::fs::write(&args.output, &bytes)
            .map_err(|e| CliError::Output(format!("{}: {e}", args.output.display())))?;
        if !args.load.quiet {
            eprintln!("wrote {} ({} bytes)", args.output.display(), bytes.len());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_shortcuts() {
        assert_eq!(parse_smoothing("0.6").unwrap(), Smoothing { kind: SmoothingKind::TbEma, param: 0.6 });
        assert_eq!(
            parse_smoothing("gaussian:5").unwrap(),
            Smoothing { kind: SmoothingKind::Gaussian, param: 5.0 }
        );
        assert!(parse_smoothing("magic:1").is_err());
        assert!(parse_smoothing("twema:x").is_err());
    }
}
