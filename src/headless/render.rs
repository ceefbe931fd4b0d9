//! Printing records: an aligned table for people, JSON or JSON Lines for programs. The JSON
//! record is the one source; a table shows some of its fields, sizes and times made
//! readable (the JSON keeps bytes and RFC 3339).

use std::io::{IsTerminal, Write};

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::cli::Failure;
use crate::model::{Timestamp, human_bytes, short_time};
use crate::ui::widgets::pad;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Columns aligned by display width (CJK counts double).
    Table,
    /// One JSON array of records.
    Json,
    /// One JSON record per line.
    Jsonl,
}

impl Format {
    /// A table for a person at a terminal; JSON when the output goes to a pipe or a file,
    /// so a script never parses a table by accident.
    pub fn or_default(chosen: Option<Format>) -> Format {
        chosen.unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                Format::Table
            } else {
                Format::Json
            }
        })
    }
}

/// How a table cell shows a JSON field.
#[derive(Clone, Copy)]
pub enum Show {
    Text,
    Bytes,
    Time,
}

/// A table column: its header and the JSON pointer of the field it shows.
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    pub show: Show,
}

pub const fn col(header: &'static str, field: &'static str, show: Show) -> Column {
    Column {
        header,
        field,
        show,
    }
}

/// Prints `records` as `format`; `table` draws them for people.
pub fn print(
    records: &[Value],
    format: Format,
    table: impl FnOnce(&[Value]) -> String,
) -> Result<(), Failure> {
    let mut text = String::new();
    match format {
        Format::Table => text = table(records),
        Format::Json => {
            text = serde_json::to_string_pretty(records).expect("JSON values serialize");
            text.push('\n');
        }
        Format::Jsonl => {
            for r in records {
                text.push_str(&serde_json::to_string(r).expect("JSON values serialize"));
                text.push('\n');
            }
        }
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `| head` closing the pipe early is how people read the first lines, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::runtime(format!("cannot write the output: {e}"))),
    }
}

/// The columns of `records`, each as wide as its widest cell in display columns.
pub fn table(columns: &[Column], records: &[Value]) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| cell(r.pointer(c.field), c.show))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].width())
                .chain(std::iter::once(c.header.width()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let headers: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    for row in std::iter::once(&headers).chain(&rows) {
        let last = row.len().saturating_sub(1);
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i == last {
                    s.clone()
                } else {
                    pad(s, widths[i])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A field as a person reads it in one cell: no line breaks or control characters a server
/// may have put in a name, sizes in binary units, times local to the minute.
pub fn cell(v: Option<&Value>, show: Show) -> String {
    let text = match (v, show) {
        (None | Some(Value::Null), _) => "-".to_string(),
        (Some(Value::String(s)), _) if s.is_empty() => "-".to_string(),
        (Some(Value::Number(n)), Show::Bytes) => n.as_u64().map_or(n.to_string(), human_bytes),
        (Some(Value::String(s)), Show::Time) => s
            .parse::<Timestamp>()
            .map_or_else(|_| s.clone(), |t| short_time(&t)),
        (Some(Value::String(s)), _) => s.clone(),
        (Some(Value::Bool(b)), _) => if *b { "yes" } else { "no" }.to_string(),
        (Some(Value::Object(o)), _) => match o.get("name").and_then(Value::as_str) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => "-".to_string(),
        },
        (Some(other), _) => other.to_string(),
    };
    one_line(&text)
}

/// `s` with control characters (newlines, tabs, escapes) shown as spaces.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
