//! `runql`: query and inspect ML experiment runs from tracker exports with SQL.

mod args;
mod commands;
mod error;
mod http;
mod input;
mod output;
mod run_sql;
mod terminal;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Query(args) => commands::query::run(args),
        Command::Info(args) => commands::info::run(args),
        Command::Gen(args) => commands::gen_data::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Plot(args) => commands::plot::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Serve(args) => commands::serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let mut shown = err.to_string();
            eprintln!("error: {}", terminal::printable(&shown));
            // Many errors already include their cause in their message; print only causes
            // that add something.
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {}", terminal::printable(&text));
                    shown.push_str(&text);
                }
                source = cause.source();
            }
            err.exit_code()
        }
    }
}
