//! `ctrl-s` and `:export`: the focused list as shown (filter and sort applied, every
//! column, nothing cut) to a CSV or JSON file. The app builds the file's bytes; the fetcher
//! writes them off the UI loop and says where they went.

use std::path::PathBuf;

use super::listed::{Listable, Listed};
use super::{App, Level, Pane};
use crate::fetcher::Command;
use crate::model::{NodeKind, SnapshotTree};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(word: &str) -> Option<Format> {
        match word.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// Rows to write: a header, then one line per row shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// What the list is, for the file's name and the status line ("vms", "backups").
    pub what: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The rows a list shows, in the order it shows them.
    pub fn of<T: Listable>(what: &'static str, list: &Listed<T>) -> Table {
        Table {
            what,
            headers: T::FIELDS.to_vec(),
            rows: (0..list.rows())
                .filter_map(|i| list.row(i))
                .map(Listable::fields)
                .collect(),
        }
    }

    /// A snapshot tree, depth first as drawn; a snapshot names its parent snapshot.
    fn of_tree(tree: &SnapshotTree) -> Table {
        let mut rows = Vec::new();
        let mut stack: Vec<usize> = tree.roots.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            let Some(node) = tree.node(id) else { continue };
            stack.extend(node.children.iter().rev());
            let NodeKind::Snapshot(s) = &node.kind else {
                continue;
            };
            let parent = tree
                .ancestors(id)
                .into_iter()
                .find_map(|a| tree.snapshot(a))
                .map(|p| p.name.clone())
                .unwrap_or_default();
            rows.push(vec![
                s.name.clone(),
                parent,
                s.volume
                    .as_ref()
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                s.created.map(|t| t.to_string()).unwrap_or_default(),
                s.size.map(|b| b.to_string()).unwrap_or_default(),
                s.memory.map(|m| m.to_string()).unwrap_or_default(),
                s.description.clone(),
                s.id.clone(),
            ]);
        }
        Table {
            what: "snapshots",
            headers: vec![
                "NAME",
                "PARENT",
                "VOLUME",
                "CREATED",
                "SIZE",
                "MEMORY",
                "DESCRIPTION",
                "ID",
            ],
            rows,
        }
    }

    /// The file's bytes. JSON is an array of objects keyed by the headers in lower case.
    pub fn render(&self, format: Format) -> Result<Vec<u8>, String> {
        match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(&self.headers).map_err(|e| e.to_string())?;
                for row in &self.rows {
                    w.write_record(row).map_err(|e| e.to_string())?;
                }
                w.into_inner().map_err(|e| e.to_string())
            }
            Format::Json => {
                let keys: Vec<String> = self
                    .headers
                    .iter()
                    .map(|h| h.to_lowercase().replace(' ', "_"))
                    .collect();
                let objects: Vec<serde_json::Map<String, serde_json::Value>> = self
                    .rows
                    .iter()
                    .map(|row| {
                        keys.iter()
                            .cloned()
                            .zip(row.iter().cloned().map(serde_json::Value::String))
                            .collect()
                    })
                    .collect();
                let mut out = serde_json::to_vec_pretty(&objects).map_err(|e| e.to_string())?;
                out.push(b'\n');
                Ok(out)
            }
        }
    }
}

impl App {
    /// The list in front of the operator: the journal when it is open, else the focused pane.
    pub fn shown_table(&self) -> Result<Table, String> {
        if let Some(super::dialog::Dialog::Journal(j)) = &self.dialog {
            return Ok(Table::of("journal", &j.list));
        }
        if self.dialog.is_some() || self.sites_open() {
            return Err("nothing to export here: close this view first".into());
        }
        Ok(match self.focus {
            Pane::Clusters => Table::of("clusters", &self.clusters.list),
            Pane::Vms => Table::of("vms", &self.vms.list),
            Pane::Backups => Table::of("backups", &self.backups.list),
            Pane::Tasks => Table::of("tasks", &self.tasks.list),
            Pane::Snapshots => match &self.snapshots.tree {
                Some(tree) => Table::of_tree(tree),
                None => return Err("no snapshot tree to export yet".into()),
            },
        })
    }

    /// Writes what is shown to `path`, or to `vmdeck-SITE-LIST-TIME.EXT` in the current
    /// directory. An existing file is never overwritten.
    pub fn export(&mut self, format: Format, path: Option<&str>) -> Vec<Command> {
        let result = self.shown_table().and_then(|t| {
            let bytes = t.render(format)?;
            Ok((t, bytes))
        });
        let (table, contents) = match result {
            Ok(t) => t,
            Err(e) => {
                self.say(Level::Warn, e);
                return vec![];
            }
        };
        let path = path.map(PathBuf::from).unwrap_or_else(|| {
            let stamp = self
                .wall
                .to_zoned(self.tz.clone())
                .strftime("%Y%m%d-%H%M%S");
            PathBuf::from(format!(
                "vmdeck-{}-{}-{stamp}.{}",
                file_word(&self.session.profile),
                table.what,
                format.extension()
            ))
        });
        vec![Command::WriteExport {
            path,
            contents,
            rows: table.rows.len(),
        }]
    }

    pub(super) fn on_exported(&mut self, rows: usize, result: Result<PathBuf, String>) {
        match result {
            Ok(path) => self.say(
                Level::Info,
                format!("exported {rows} row(s) to {}", path.display()),
            ),
            Err(e) => self.say(Level::Error, format!("export failed: {e}")),
        }
    }
}

/// A profile name as a file-name word: anything but letters, digits, `-` and `_` becomes `_`.
fn file_word(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it_and_json_keys_by_header() {
        let t = Table {
            what: "vms",
            headers: vec!["NAME", "IP", "PLATFORM ID"],
            rows: vec![
                vec!["财务系统-db01".into(), "10.0.0.9".into(), String::new()],
                vec!["a,b \"c\"".into(), String::new(), "x".into()],
            ],
        };
        let csv = String::from_utf8(t.render(Format::Csv).unwrap()).unwrap();
        assert_eq!(
            csv,
            "NAME,IP,PLATFORM ID\n财务系统-db01,10.0.0.9,\n\"a,b \"\"c\"\"\",,x\n"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&t.render(Format::Json).unwrap()).unwrap();
        assert_eq!(json[0]["name"], "财务系统-db01");
        assert_eq!(json[1]["platform_id"], "x");
        assert_eq!(json.as_array().unwrap().len(), 2);
    }

    #[test]
    fn profile_names_become_file_words() {
        assert_eq!(file_word("prod/财务 a"), "prod_财务_a");
    }
}

#[cfg(test)]
mod app_tests {
    use super::*;
    use crate::app::tests::{code, key, ready_app_with, session, type_text};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn export_of(cmds: &[Command]) -> (PathBuf, String, usize) {
        match cmds {
            [
                Command::WriteExport {
                    path,
                    contents,
                    rows,
                },
            ] => (
                path.clone(),
                String::from_utf8(contents.clone()).unwrap(),
                *rows,
            ),
            other => panic!("no export: {other:?}"),
        }
    }

    #[test]
    fn ctrl_s_writes_the_vms_as_shown_with_every_column_whole() {
        let mut app = ready_app_with(session(false));
        app.focus = Pane::Vms;
        app.run_command("sort name desc").unwrap();
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let (path, csv, rows) = export_of(&app.handle_key(ctrl_s));
        let name = path.to_str().unwrap();
        assert!(
            name.starts_with("vmdeck-lab-vms-") && name.ends_with(".csv"),
            "{name}"
        );
        assert_eq!(rows, 2);
        assert_eq!(
            csv,
            "NAME,POWER,ACTION,AGENT,IP,ZONE,GROUP,CLUSTER,ID\n\
             web-01,running,,connected,10.0.0.1,default,default,host3222-cvm3322,v1\n\
             db-01,stopped,,connected,10.0.0.1,default,default,host3222-cvm3322,v2\n"
        );
        // The filter applies: only what is shown is written.
        app.handle_key(key('/'));
        type_text(&mut app, "db");
        app.handle_key(code(KeyCode::Enter));
        let (_, csv, rows) = export_of(&app.handle_key(ctrl_s));
        assert_eq!(rows, 1);
        assert!(csv.contains("db-01") && !csv.contains("web-01"), "{csv}");
        // The fetcher's answer is said on the status line.
        app.on_event(crate::fetcher::Event::Exported {
            rows: 1,
            result: Ok(PathBuf::from("/home/op/vmdeck-lab-vms.csv")),
        });
        assert_eq!(
            app.status.as_ref().unwrap().text,
            "exported 1 row(s) to /home/op/vmdeck-lab-vms.csv"
        );
    }

    #[test]
    fn export_json_takes_a_path_and_keys_each_row_by_column() {
        let mut app = ready_app_with(session(false));
        app.focus = Pane::Vms;
        let (path, json, _) = export_of(&app.run_command("export json /tmp/my vms.json").unwrap());
        assert_eq!(path, PathBuf::from("/tmp/my vms.json"));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["name"], "web-01");
        assert_eq!(v[1]["power"], "stopped");
        assert_eq!(v[1]["id"], "v2");
        // A bare path is CSV.
        let (path, csv, _) = export_of(&app.run_command("export out.csv").unwrap());
        assert_eq!(path, PathBuf::from("out.csv"));
        assert!(csv.starts_with("NAME,POWER"));
        // Snapshots: the tree, depth first, each naming its parent snapshot.
        app.focus = Pane::Snapshots;
        let (_, csv, rows) = export_of(&app.run_command("export").unwrap());
        assert_eq!(rows, 3);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "NAME,PARENT,VOLUME,CREATED,SIZE,MEMORY,DESCRIPTION,ID"
        );
        assert!(lines[1].starts_with("origin,,"), "{csv}");
        assert!(lines[2].starts_with("a,origin,"), "{csv}");
        assert!(lines[3].starts_with("b,origin,"), "{csv}");
        // A failed write is said as an error.
        app.on_event(crate::fetcher::Event::Exported {
            rows: 3,
            result: Err("/x exists; give another path (:export csv PATH)".into()),
        });
        let s = app.status.as_ref().unwrap();
        assert_eq!(s.level, Level::Error);
        assert!(s.text.starts_with("export failed: /x exists"), "{}", s.text);
    }
}
