//! `vmdeck journal`: the change journal, newest first. Reads the file only: no config, no
//! login, so it answers even when every site is down.

use clap::Args;
use serde_json::Value;

use super::render::{self, Column, Format, Show, col};
use crate::backend::journal::{self, Record};
use crate::cli::Failure;
use crate::model::Timestamp;

#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Only entries of the last SPAN: a number and s, m, h, d or w (`90m`, `2h`, `7d`).
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub since: Option<std::time::Duration>,
    /// Only entries of this site (profile).
    #[arg(long, value_name = "NAME")]
    pub site: Option<String>,
    /// Output: table (default on a terminal), json (default otherwise) or jsonl.
    #[arg(short, long, value_name = "FORMAT")]
    pub output: Option<Format>,
}

/// `2h` → two hours. The error is one line naming what is accepted.
pub fn parse_span(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("\"{s}\" is not a span: write a number and s, m, h, d or w (2h, 30m, 7d)");
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(secs)
        .map(std::time::Duration::from_secs)
        .ok_or_else(bad)
}

const COLUMNS: [Column; 6] = [
    col("TIME", "/time", Show::Time),
    col("SITE", "/site", Show::Text),
    col("USER", "/user", Show::Text),
    col("OPERATION", "/operation/title", Show::Text),
    col("TARGET", "/target", Show::Text),
    col("OUTCOME", "/result", Show::Text),
];

/// The journal's records, newest first, kept by `since` and `site`.
pub fn records(
    since: Option<std::time::Duration>,
    site: Option<&str>,
) -> Result<Vec<Record>, Failure> {
    let Some(path) = crate::state::journal_path() else {
        return Ok(Vec::new());
    };
    let all = journal::read(&path)
        .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", path.display())))?;
    let cutoff = since.and_then(|d| {
        let d = jiff::SignedDuration::try_from(d).ok()?;
        Timestamp::now().checked_sub(d).ok()
    });
    Ok(all
        .into_iter()
        .filter(|r| site.is_none_or(|s| r.entry.site == s))
        .filter(|r| match (cutoff, r.entry.time.parse::<Timestamp>()) {
            (Some(c), Ok(t)) => t >= c,
            (Some(_), Err(_)) => false,
            (None, _) => true,
        })
        .collect())
}

pub fn run(args: &JournalArgs) -> Result<(), Failure> {
    let records = records(args.since, args.site.as_deref())?;
    let values: Vec<Value> = records
        .iter()
        .map(|r| serde_json::to_value(r).expect("records serialize"))
        .collect();
    render::print(&values, Format::or_default(args.output), |values| {
        let shown: Vec<Value> = values
            .iter()
            .zip(&records)
            .map(|(v, r)| {
                let mut v = v.clone();
                v["result"] = Value::String(r.outcome_label());
                v
            })
            .collect();
        render::table(&COLUMNS, &shown)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(parse_span("2h").unwrap().as_secs(), 7200);
        assert_eq!(parse_span("90m").unwrap().as_secs(), 5400);
        assert_eq!(parse_span("7d").unwrap().as_secs(), 7 * 86_400);
        for bad in ["", "h", "2", "2 hours", "-2h", "2y"] {
            let e = parse_span(bad).unwrap_err();
            assert!(e.contains("is not a span"), "{bad}: {e}");
        }
    }
}
