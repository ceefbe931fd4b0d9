//! Create, filter, restore and import backups.

use jiff::Timestamp;

use super::stamp;
use crate::app::form::{Field, Form};
use crate::model::{
    Backup, BackupFilter, BackupPoint, BackupRef, Capabilities, Named, RestoreChoices,
    RestoreDiskSpec, RestoreSpec, VmDetail, VmRef,
};
use crate::operation::Operation;

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

pub fn create_form(
    vm: &VmRef,
    points: &[BackupPoint],
    caps: &Capabilities,
    now: Timestamp,
) -> Form {
    let mut fields = vec![
        Field::text("name", "Name", format!("{}-{}", vm.name, stamp(now))),
        Field::text("description", "Description", ""),
    ];
    if caps.backup_points {
        let mut f = Field::choice("point", "Backup point", point_options(points), None);
        if points.is_empty() {
            f = f.with_hint("loading backup points…");
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
    Form::new(format!("Back up {}", vm.name), fields)
}

pub fn create(vm: &VmRef, form: &Form) -> Result<Vec<Operation>, String> {
    let name = form.text("name");
    if name.is_empty() {
        return Err("the backup needs a name".into());
    }
    let (id, label) = form
        .choice("point")
        .ok_or("no backup point to write to (none loaded yet, or none defined)")?;
    let point_name = label.split(" (").next().unwrap_or(&label).to_string();
    Ok(vec![Operation::CreateBackup {
        vm: vm.clone(),
        point: Named::new(id, point_name),
        name,
        description: form.text("description"),
        full: form.choice("kind").is_none_or(|(k, _)| k == "full"),
        volume: None,
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

/// The restore form, pre-filled from the VM's current disks when the backup's VM still
/// exists, and from the platform's choices as they arrive.
pub fn restore_form(
    backup: &Backup,
    vm: Option<&VmDetail>,
    choices: Option<&RestoreChoices>,
    now: Timestamp,
) -> Form {
    let empty = RestoreChoices::default();
    let choices = choices.unwrap_or(&empty);
    let opts = |v: &[Named]| {
        v.iter()
            .map(|n| (n.id.clone(), n.name.clone()))
            .collect::<Vec<_>>()
    };
    let new_name = format!("{}-restored-{}", backup.vm.name, stamp(now));
    let zone_pref = vm.and_then(|d| d.vm.zone.as_ref()).map(|z| z.id.as_str());
    let group_pref = vm.and_then(|d| d.vm.group.as_ref()).map(|g| g.id.as_str());
    let mut fields = vec![
        Field::text("new_vm_name", "New VM name", new_name.clone()),
        Field::choice("zone", "Zone", opts(&choices.zones), zone_pref),
        Field::choice("group", "Object group", opts(&choices.groups), group_pref),
    ];
    for disk in &backup.disks {
        let dev = &disk.device;
        let current = vm.and_then(|d| d.disks.iter().find(|x| &x.device == dev));
        let size = disk
            .capacity
            .map(|c| format!(" · {}", crate::model::human_bytes(c)))
            .unwrap_or_default();
        fields.push(Field::section(format!("Disk {dev}{size}")));
        fields.push(Field::choice(
            format!("disk.{dev}.pool"),
            "Pool",
            opts(&choices.pools),
            current.and_then(|c| c.pool.as_ref()).map(|p| p.id.as_str()),
        ));
        fields.push(Field::text(
            format!("disk.{dev}.volume"),
            "Volume name",
            format!("{new_name}-{dev}"),
        ));
        let types: Vec<(String, String)> = if choices.disk_types.is_empty() {
            vec![("HDD".into(), "HDD".into()), ("SSD".into(), "SSD".into())]
        } else {
            choices
                .disk_types
                .iter()
                .map(|t| (t.clone(), t.clone()))
                .collect()
        };
        fields.push(Field::choice(
            format!("disk.{dev}.type"),
            "Disk type",
            types,
            current.and_then(|c| c.disk_type.as_deref()),
        ));
    }
    Form::new(format!("Restore {} to a new VM", backup.name), fields).with_intro(vec![
        format!(
            "Creates a new VM from this backup; {} itself is not touched.",
            backup.vm.name
        ),
        "Tab/↑↓ move · ←→ change a choice · Enter preview · Esc cancel".into(),
    ])
}

/// Fills the restore form's choices once the platform has sent them.
pub fn fill_restore_choices(form: &mut Form, choices: &RestoreChoices, vm: Option<&VmDetail>) {
    let opts = |v: &[Named]| {
        v.iter()
            .map(|n| (n.id.clone(), n.name.clone()))
            .collect::<Vec<_>>()
    };
    let zone_pref = vm.and_then(|d| d.vm.zone.as_ref()).map(|z| z.id.clone());
    let group_pref = vm.and_then(|d| d.vm.group.as_ref()).map(|g| g.id.clone());
    form.set_options("zone", opts(&choices.zones), zone_pref.as_deref());
    form.set_options("group", opts(&choices.groups), group_pref.as_deref());
    let keys: Vec<String> = form
        .fields
        .iter()
        .filter(|f| f.key.ends_with(".pool"))
        .map(|f| f.key.clone())
        .collect();
    for key in keys {
        let dev = key.trim_start_matches("disk.").trim_end_matches(".pool");
        let pref = vm
            .and_then(|d| d.disks.iter().find(|x| x.device == dev))
            .and_then(|d| d.pool.as_ref())
            .map(|p| p.id.clone());
        form.set_options(&key, opts(&choices.pools), pref.as_deref());
    }
    if !choices.disk_types.is_empty() {
        let types: Vec<(String, String)> = choices
            .disk_types
            .iter()
            .map(|t| (t.clone(), t.clone()))
            .collect();
        let keys: Vec<String> = form
            .fields
            .iter()
            .filter(|f| f.key.ends_with(".type"))
            .map(|f| f.key.clone())
            .collect();
        for key in keys {
            form.set_options(&key, types.clone(), None);
        }
    }
}

pub fn restore(backup: &BackupRef, form: &Form) -> Result<Vec<Operation>, String> {
    let new_vm_name = form.text("new_vm_name");
    if new_vm_name.is_empty() {
        return Err("the new VM needs a name".into());
    }
    let zone = form
        .choice("zone")
        .ok_or("choose a zone (still loading?)")?;
    let group = form
        .choice("group")
        .ok_or("choose an object group (still loading?)")?;
    let mut disks = Vec::new();
    for f in form.fields.iter().filter(|f| f.key.ends_with(".pool")) {
        let dev = f
            .key
            .trim_start_matches("disk.")
            .trim_end_matches(".pool")
            .to_string();
        let pool = form
            .choice(&f.key)
            .ok_or_else(|| format!("choose a pool for {dev}"))?;
        let volume_name = form.text(&format!("disk.{dev}.volume"));
        if volume_name.is_empty() {
            return Err(format!("disk {dev} needs a volume name"));
        }
        let disk_type = form
            .choice(&format!("disk.{dev}.type"))
            .map(|(t, _)| t)
            .unwrap_or_default();
        disks.push(RestoreDiskSpec {
            device: dev,
            pool_id: pool.0,
            volume_name,
            disk_type,
        });
    }
    if disks.is_empty() {
        return Err("this backup lists no disks to restore".into());
    }
    Ok(vec![Operation::RestoreBackup {
        backup: backup.clone(),
        spec: RestoreSpec {
            new_vm_name,
            zone_id: zone.0,
            group_id: group.0,
            disks,
            ..Default::default()
        },
    }])
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
