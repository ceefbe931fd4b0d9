//! Create, filter, restore and import backups.

use super::stamp;
use crate::app::flows::Purpose;
use crate::app::form::{Field, Form};
use crate::app::panes::all_clusters;
use crate::app::{App, Level, flows};
use crate::fetcher::Command;
use crate::model::BackupScope;
use crate::operation::Operation;
use jiff::Timestamp;

use crate::model::{
    BackupCategory, BackupFilter, BackupPoint, Capabilities, Named, VmDetail, VmRef,
};

/// Choice options for backup points: `(id, "name (kind[, state])")`.
pub fn point_options(points: &[BackupPoint]) -> Vec<(String, String)> {
    points
        .iter()
        .map(|p| {
            let label = if p.state.is_empty() || p.state.eq_ignore_ascii_case("healthy") {
                format!("{} ({})", p.name, p.kind)
            } else {
                format!("{} ({}, {})", p.name, p.kind, p.state)
            };
            (p.id.clone(), label)
        })
        .collect()
}

/// `category` is the kind of backup listed: a volume backup asks which volume.
pub fn create_form(
    vm: &VmRef,
    detail: Option<&VmDetail>,
    points: &[BackupPoint],
    caps: &Capabilities,
    category: BackupCategory,
    now: Timestamp,
) -> Form {
    let mut fields = vec![
        Field::text("name", "Name", format!("{}-{}", vm.name, stamp(now))),
        Field::text("description", "Description", ""),
    ];
    if category == BackupCategory::Volume {
        let options = super::snapshot::volume_options(detail, false);
        let mut f = Field::choice("volume", "Volume", options, None);
        if detail.is_none() {
            f = f.with_hint("loading the VM's volumes…");
        }
        fields.push(f);
    }
    if caps.backup_points {
        let mut f = Field::choice("point", point_label(caps), point_options(points), None);
        if points.is_empty() {
            f = f.with_hint("loading…");
        }
        fields.push(f);
    }
    let mut kind = Field::choice(
        "kind",
        "Type",
        vec![
            ("full".into(), "full".into()),
            ("incremental".into(), "incremental".into()),
        ],
        Some("full"),
    );
    if !caps.backup_full_or_incremental {
        kind = kind.disabled("the platform chooses");
    }
    fields.push(kind);
    let title = match category {
        BackupCategory::Volume => format!("Back up a volume of {}", vm.name),
        _ => format!("Back up {}", vm.name),
    };
    Form::new(title, fields)
}

/// What the platform calls the place backups go.
pub fn point_label(caps: &Capabilities) -> &'static str {
    if caps.backup_sync {
        "Backup storage"
    } else {
        "Backup point"
    }
}

/// "nfs-1 (nfs, degraded)" → "nfs-1".
pub fn option_name(label: &str) -> String {
    label.split(" (").next().unwrap_or(label).to_string()
}

pub fn create(vm: &VmRef, form: &Form) -> Result<Vec<Operation>, String> {
    let name = form.text("name");
    if name.is_empty() {
        return Err("the backup needs a name".into());
    }
    let volume = match form.choice("volume") {
        Some((id, label)) => Some(Named::new(id, option_name(&label))),
        None if form.has("volume") => return Err("choose the volume to back up".into()),
        None => None,
    };
    let (id, label) = form
        .choice("point")
        .ok_or("no backup point or storage to write to (none loaded yet, or none defined)")?;
    Ok(vec![Operation::CreateBackup {
        vm: vm.clone(),
        point: Named::new(id, option_name(&label)),
        name,
        description: form.text("description"),
        full: form.choice("kind").is_none_or(|(k, _)| k == "full"),
        volume,
    }])
}

/// Filter choices: "any", then every backup point.
pub fn filter_point_options(points: &[BackupPoint]) -> Vec<(String, String)> {
    let mut options = vec![(String::new(), "any".to_string())];
    options.extend(point_options(points));
    options
}

pub fn filter_form(filter: &BackupFilter, points: &[BackupPoint]) -> Form {
    let options = filter_point_options(points);
    let day = |t: &Option<Timestamp>| {
        t.map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    Form::new(
        "Filter backups",
        vec![
            Field::text("name", "Name contains", filter.name.clone()),
            Field::choice("point", "Backup point", options, filter.point_id.as_deref()),
            Field::text("since", "From (YYYY-MM-DD)", day(&filter.since)),
            Field::text("until", "To (YYYY-MM-DD, inclusive)", day(&filter.until)),
        ],
    )
    .with_intro(vec![
        "Empty fields do not filter. Esc leaves the filter as it was.".into(),
    ])
}

/// Parses `YYYY-MM-DD` (UTC) or a full RFC 3339 timestamp.
fn parse_day(text: &str, end_of_day: bool) -> Result<Option<Timestamp>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(Some(ts));
    }
    let date: jiff::civil::Date = text
        .parse()
        .map_err(|_| format!("\"{text}\" is not a date; write it as YYYY-MM-DD"))?;
    let time = if end_of_day {
        jiff::civil::time(23, 59, 59, 0)
    } else {
        jiff::civil::time(0, 0, 0, 0)
    };
    date.to_datetime(time)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| Some(z.timestamp()))
        .map_err(|e| e.to_string())
}

pub fn filter(form: &Form) -> Result<BackupFilter, String> {
    let since = parse_day(&form.text("since"), false)?;
    let until = parse_day(&form.text("until"), true)?;
    if let (Some(a), Some(b)) = (since, until)
        && a > b
    {
        return Err("\"From\" is after \"To\"".into());
    }
    Ok(BackupFilter {
        name: form.text("name"),
        point_id: form
            .choice("point")
            .map(|(id, _)| id)
            .filter(|id| !id.is_empty()),
        since,
        until,
    })
}

pub fn remote_point_form(points: &[BackupPoint]) -> Form {
    let mut f = Field::choice("point", "Backup point", point_options(points), None);
    if points.is_empty() {
        f = f.with_hint("loading backup points…");
    }
    Form::new("Remote backups", vec![f]).with_intro(vec![
        "Lists every backup found on a backup point, including those made by other clusters."
            .into(),
    ])
}

impl App {
    pub(in crate::app) fn selected_backup_or_say(&mut self) -> Option<crate::model::Backup> {
        let b = self.backups.selected().cloned();
        if b.is_none() {
            self.say(Level::Warn, "select a backup first");
        }
        b
    }

    /// The cluster the Backups pane is about (for backup points and plans).
    pub(in crate::app) fn backups_cluster(&self) -> Option<Named> {
        self.backups
            .scope
            .as_ref()
            .map(|s| s.cluster().clone())
            .or_else(|| self.vms.cluster.clone())
    }

    /// Loads the backup points/storages the form needs unless they are here already;
    /// returns whether they are still loading.
    pub(in crate::app) fn points_for_form(&mut self, cmds: &mut Vec<Command>) -> bool {
        if !self.backups.points.is_empty() && self.backups.points_error.is_none() {
            return false;
        }
        let cluster = self.backups_cluster().unwrap_or_else(all_clusters);
        let load = self.load_points(cluster);
        let loading = !load.is_empty();
        cmds.extend(load);
        loading
    }

    /// `t`: the next kind of backup the platform keeps.
    pub(in crate::app) fn next_backup_category(&mut self) -> Vec<Command> {
        let cats = &self.session.caps.backup_categories;
        if cats.len() < 2 {
            return vec![];
        }
        let i = cats
            .iter()
            .position(|c| *c == self.backups.category)
            .unwrap_or(0);
        self.backups.category = cats[(i + 1) % cats.len()];
        self.backups.request.index = 0;
        self.backups.list.cursor.reset();
        self.backups.chain = None;
        if self.backups.scope.is_none() {
            // Database backups belong to the platform, not to a VM.
            self.backups.scope = Some(BackupScope::Cluster {
                cluster: self.backups_cluster().unwrap_or_else(all_clusters),
            });
        }
        self.say(
            Level::Info,
            format!("Backups: {}", self.backups.category.label()),
        );
        self.load_backups()
    }

    pub(in crate::app) fn start_create_backup(&mut self) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.backups.category == BackupCategory::Database {
            let loading = self.points_for_form(&mut cmds);
            let form = flows::storage::database_backup_form(&self.backups.points, loading);
            self.open_form(form, Purpose::CreateDatabaseBackup);
            return cmds;
        }
        if !self.caps().backup_points && self.caps().backup_plans {
            // Plans make the backups here: run one now instead.
            let cmds = self.start_plans();
            self.say(
                Level::Info,
                "backups are made by plans here: choose one and press x to run it now",
            );
            return cmds;
        }
        let Some((vmref, _)) = self.require_vm() else {
            return vec![];
        };
        let loading = self.points_for_form(&mut cmds);
        let mut form = flows::backup::create_form(
            &vmref,
            self.chosen_detail(),
            &self.backups.points,
            self.caps(),
            self.backups.category,
            self.wall,
        );
        if loading && let Some(f) = form.fields.iter_mut().find(|f| f.key == "point") {
            f.hint = Some("loading…".into());
        }
        self.open_form(form, Purpose::CreateBackup { vm: vmref });
        cmds
    }

    pub(in crate::app) fn start_delete_backup(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        let mut warnings = Vec::new();
        if b.status == crate::model::BackupStatus::InProgress {
            warnings.push("This backup is still being written.".into());
        }
        if self.caps().backup_chains {
            let later = self
                .backups
                .chain
                .as_ref()
                .map_or(0, |c| crate::model::chain_descendants(&c.items, &b.id));
            if later > 0 {
                warnings.push(format!(
                    "{later} incremental backup(s) build on this one; the platform decides whether they stay usable."
                ));
            }
        }
        self.confirm(
            vec![Operation::DeleteBackup { backup: b.to_ref() }],
            warnings,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_parsing() {
        let t = parse_day("2024-03-01", false).unwrap().unwrap();
        assert_eq!(t.as_second(), 1_709_251_200);
        let t = parse_day("2024-03-01", true).unwrap().unwrap();
        assert_eq!(t.as_second(), 1_709_251_200 + 86_399);
        assert!(
            parse_day("March 1", false)
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert_eq!(parse_day("", false).unwrap(), None);
    }
}
