//! Restoring backups: in place (the VM goes back), or to a new VM placed the way the
//! platform places VMs (`RestorePlacement`), and a management-node database recovery.

use super::stamp;
use crate::app::flows::Purpose;
use crate::app::form::{Field, Form};
use crate::app::{App, Level, flows};
use crate::fetcher::Command;
use crate::operation::Operation;
use jiff::Timestamp;

use crate::model::{
    Backup, BackupCategory, BackupRef, Capabilities, Named, NetworkMapping, RestoreChoices,
    RestoreDiskSpec, RestorePlacement, RestoreSpec, VmDetail,
};

/// Asked first when the platform can restore both ways.
pub fn mode_form(backup: &Backup) -> Form {
    Form::new(
        format!("Restore {}", backup.name),
        vec![Field::choice(
            "mode",
            "Restore",
            vec![
                (
                    "new".into(),
                    format!("as a new VM ({} is not touched)", backup.vm.name),
                ),
                (
                    "in_place".into(),
                    format!("in place ({} is overwritten)", backup.vm.name),
                ),
            ],
            Some("new"),
        )],
    )
}

pub fn mode_in_place(form: &Form) -> bool {
    form.choice("mode").is_some_and(|(m, _)| m == "in_place")
}

pub fn in_place_form(backup: &Backup) -> Form {
    let what = match &backup.volume {
        Some(v) => format!("volume {} of {}", v.name, backup.vm.name),
        None => format!("VM {}", backup.vm.name),
    };
    Form::new(
        format!("Restore {} in place", backup.name),
        vec![Field::toggle("power_on", "Start the VM afterwards", false)],
    )
    .with_intro(vec![
        format!("{what} is overwritten with this backup."),
        "Everything written since the backup was taken is lost.".into(),
    ])
}

pub fn in_place(backup: &BackupRef, form: &Form) -> Result<Vec<Operation>, String> {
    Ok(vec![Operation::RestoreInPlace {
        backup: backup.clone(),
        power_on: form.toggle("power_on"),
    }])
}

/// Database backups are "restored" by recovering the management node from them, which
/// the platform allows only with its database's root password.
pub fn recover_database_form(backup: &Backup) -> Form {
    Form::new(
        format!(
            "Recover the management node's database from {}",
            backup.name
        ),
        vec![Field::secret("mysql_root_password", "MySQL root password")],
    )
    .with_intro(vec![
        "The platform's own records (VMs, networks, users…) go back to that backup.".into(),
        "The password is sent once with the request and kept nowhere.".into(),
    ])
}

pub fn recover_database(backup: &BackupRef, form: &Form) -> Result<Vec<Operation>, String> {
    let password = form
        .secret("mysql_root_password")
        .filter(|p| !secrecy::ExposeSecret::expose_secret(p).is_empty())
        .ok_or("the management node's MySQL root password is needed")?;
    Ok(vec![Operation::RecoverDatabaseBackup {
        backup: backup.clone(),
        mysql_root_password: crate::operation::Secret(password),
    }])
}

fn opts(v: &[Named]) -> Vec<(String, String)> {
    v.iter().map(|n| (n.id.clone(), n.name.clone())).collect()
}

/// The restore-to-a-new-VM form, pre-filled from the VM's current configuration when it
/// still exists, and from the platform's choices as they arrive
/// ([`fill_choices`]).
pub fn new_vm_form(
    backup: &Backup,
    vm: Option<&VmDetail>,
    choices: Option<&RestoreChoices>,
    caps: &Capabilities,
    now: Timestamp,
) -> Form {
    let new_name = format!("{}-restored-{}", backup.vm.name, stamp(now));
    new_vm_form_named(backup, vm, choices, caps, &new_name)
}

/// [`new_vm_form`] for a new VM named `new_name` (volumes named after it).
pub fn new_vm_form_named(
    backup: &Backup,
    vm: Option<&VmDetail>,
    choices: Option<&RestoreChoices>,
    caps: &Capabilities,
    new_name: &str,
) -> Form {
    let new_name = new_name.to_string();
    let mut fields = vec![Field::text("new_vm_name", "New VM name", new_name.clone())];
    match caps.restore_placement {
        RestorePlacement::ZoneGroupDisks => {
            zone_group_disk_fields(&mut fields, backup, vm, &new_name)
        }
        RestorePlacement::ClusterHostNetworks => {
            fields.push(
                Field::choice("host", "Cluster · host", Vec::new(), None)
                    .with_hint("loading clusters and hosts…"),
            );
            fields.push(Field::section("Networks"));
            fields.push(Field::toggle("power_on", "Start it when restored", false));
        }
        RestorePlacement::NameOnly => {
            fields.push(Field::toggle("power_on", "Start it when restored", false));
        }
    }
    let mut form =
        Form::new(format!("Restore {} to a new VM", backup.name), fields).with_intro(vec![
            format!(
                "Creates a new VM from this backup; {} itself is not touched.",
                backup.vm.name
            ),
            "Tab/↑↓ move · ←→ change a choice · Enter preview · Esc cancel".into(),
        ]);
    if let Some(c) = choices {
        fill_choices(&mut form, c, backup, vm);
    }
    form
}

fn zone_group_disk_fields(
    fields: &mut Vec<Field>,
    backup: &Backup,
    vm: Option<&VmDetail>,
    new_name: &str,
) {
    let zone_pref = vm.and_then(|d| d.vm.zone.as_ref()).map(|z| z.id.as_str());
    let group_pref = vm.and_then(|d| d.vm.group.as_ref()).map(|g| g.id.as_str());
    fields.push(
        Field::choice("zone", "Zone", Vec::new(), zone_pref)
            .with_hint("loading zones, object groups and pools…"),
    );
    fields.push(Field::choice(
        "group",
        "Object group",
        Vec::new(),
        group_pref,
    ));
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
            Vec::new(),
            current.and_then(|c| c.pool.as_ref()).map(|p| p.id.as_str()),
        ));
        fields.push(Field::text(
            format!("disk.{dev}.volume"),
            "Volume name",
            format!("{new_name}-{dev}"),
        ));
        fields.push(Field::choice(
            format!("disk.{dev}.type"),
            "Disk type",
            vec![("HDD".into(), "HDD".into()), ("SSD".into(), "SSD".into())],
            current.and_then(|c| c.disk_type.as_deref()),
        ));
    }
}

/// Fills the form's choices once the platform has sent them.
pub fn fill_choices(
    form: &mut Form,
    choices: &RestoreChoices,
    backup: &Backup,
    vm: Option<&VmDetail>,
) {
    if form.has("zone") {
        let zone_pref = vm.and_then(|d| d.vm.zone.as_ref()).map(|z| z.id.clone());
        let group_pref = vm.and_then(|d| d.vm.group.as_ref()).map(|g| g.id.clone());
        form.set_options("zone", opts(&choices.zones), zone_pref.as_deref());
        form.set_options("group", opts(&choices.groups), group_pref.as_deref());
        form.clear_hint("zone");
        let keys = form.keys_ending(".pool");
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
            for key in form.keys_ending(".type") {
                form.set_options(&key, types.clone(), None);
            }
        }
    }
    if form.has("host") {
        let cluster_name = |id: &str| {
            choices
                .clusters
                .iter()
                .find(|c| c.id == id)
                .map_or(id, |c| c.name.as_str())
                .to_string()
        };
        let hosts: Vec<(String, String)> = choices
            .hosts
            .iter()
            .map(|h| {
                (
                    format!("{}|{}", h.cluster_id, h.id),
                    format!("{} · {}", cluster_name(&h.cluster_id), h.name),
                )
            })
            .collect();
        // The backup's own cluster first, so the default keeps the VM where it was.
        let pref = choices
            .hosts
            .iter()
            .find(|h| h.cluster_id == backup.cluster.id)
            .map(|h| format!("{}|{}", h.cluster_id, h.id));
        form.set_options("host", hosts, pref.as_deref());
        form.clear_hint("host");
        let at = form
            .fields
            .iter()
            .position(|f| f.label == "Networks" && f.key.is_empty())
            .map_or(form.fields.len(), |i| i + 1);
        for (k, src) in choices.source_networks.iter().enumerate() {
            let key = format!("net.{}", src.id);
            if !form.has(&key) {
                form.fields.insert(
                    at + k,
                    Field::choice(key, format!("{} →", src.name), Vec::new(), None),
                );
            }
        }
        fit_networks(form, choices);
    }
}

/// Offers, for each network of the backed-up VM, the networks of the cluster the chosen
/// host is in, preferring the same network, else one of the same name. Run again whenever
/// the host changes.
pub fn fit_networks(form: &mut Form, choices: &RestoreChoices) {
    let cluster = form
        .choice("host")
        .and_then(|(id, _)| id.split_once('|').map(|(c, _)| c.to_string()))
        .unwrap_or_default();
    let fitting: Vec<&crate::model::NetworkChoice> = choices
        .networks
        .iter()
        .filter(|n| n.fits(&cluster))
        .collect();
    let options: Vec<(String, String)> = fitting
        .iter()
        .map(|n| (n.id.clone(), n.name.clone()))
        .collect();
    let bare = |name: &str| super::backup::option_name(name);
    for src in &choices.source_networks {
        let key = format!("net.{}", src.id);
        let pref = fitting
            .iter()
            .find(|n| n.id == src.id)
            .or_else(|| fitting.iter().find(|n| bare(&n.name) == bare(&src.name)))
            .map(|n| n.id.clone());
        // A new cluster's networks replace the old ones: start from the preferred one.
        form.set_options(&key, Vec::new(), None);
        form.set_options(&key, options.clone(), pref.as_deref());
    }
}

pub fn new_vm(
    backup: &BackupRef,
    form: &Form,
    caps: &Capabilities,
) -> Result<Vec<Operation>, String> {
    let new_vm_name = form.text("new_vm_name");
    if new_vm_name.is_empty() {
        return Err("the new VM needs a name".into());
    }
    let mut spec = RestoreSpec {
        new_vm_name,
        power_on: form.toggle("power_on"),
        ..Default::default()
    };
    match caps.restore_placement {
        RestorePlacement::ZoneGroupDisks => zone_group_disks(&mut spec, form)?,
        RestorePlacement::ClusterHostNetworks => {
            let (id, label) = form
                .choice("host")
                .ok_or("choose where the VM goes (still loading?)")?;
            let (cluster_id, host_id) = id.split_once('|').unwrap_or(("", id.as_str()));
            let (cluster_name, host_name) = label.split_once(" · ").unwrap_or(("", &label));
            spec.cluster = Some(Named::new(cluster_id, cluster_name));
            spec.host = Some(Named::new(host_id, host_name));
            for f in form.fields.iter().filter(|f| f.key.starts_with("net.")) {
                let from_id = f.key.trim_start_matches("net.");
                let from_name = f.label.trim_end_matches(" →");
                let (to_id, to_name) = form
                    .choice(&f.key)
                    .ok_or_else(|| format!("choose a network for {from_name}"))?;
                spec.networks.push(NetworkMapping {
                    from: Named::new(from_id, from_name),
                    to: Named::new(to_id, to_name),
                });
            }
        }
        RestorePlacement::NameOnly => {}
    }
    Ok(vec![Operation::RestoreBackup {
        backup: backup.clone(),
        spec,
    }])
}

fn zone_group_disks(spec: &mut RestoreSpec, form: &Form) -> Result<(), String> {
    let zone = form
        .choice("zone")
        .ok_or("choose a zone (still loading?)")?;
    let group = form
        .choice("group")
        .ok_or("choose an object group (still loading?)")?;
    spec.zone_id = zone.0;
    spec.group_id = group.0;
    for key in form.keys_ending(".pool") {
        let dev = key
            .trim_start_matches("disk.")
            .trim_end_matches(".pool")
            .to_string();
        let pool = form
            .choice(&key)
            .ok_or_else(|| format!("choose a pool for {dev}"))?;
        let volume_name = form.text(&format!("disk.{dev}.volume"));
        if volume_name.is_empty() {
            return Err(format!("disk {dev} needs a volume name"));
        }
        let disk_type = form
            .choice(&format!("disk.{dev}.type"))
            .map(|(t, _)| t)
            .unwrap_or_default();
        spec.disks.push(RestoreDiskSpec {
            device: dev,
            pool_id: pool.0,
            volume_name,
            disk_type,
        });
    }
    if spec.disks.is_empty() {
        return Err("this backup lists no disks to restore".into());
    }
    Ok(())
}

/// Why a backup cannot be restored at all, if it cannot.
pub fn refuse(backup: &Backup) -> Option<String> {
    if backup.status != crate::model::BackupStatus::Done {
        return Some(format!(
            "Backup {} is {}; only finished backups can be restored.",
            backup.name,
            backup.status.label()
        ));
    }
    if backup.category == BackupCategory::Volume && backup.volume.is_none() {
        return Some(format!(
            "Backup {} does not say which volume it is of.",
            backup.name
        ));
    }
    None
}

impl App {
    /// `R`: database recovery, in place, or to a new VM — asking which when the platform
    /// can do both.
    pub(in crate::app) fn start_restore(&mut self) -> Vec<Command> {
        let Some(b) = self.selected_backup_or_say() else {
            return vec![];
        };
        if let Some(why) = flows::restore::refuse(&b) {
            self.message("Cannot restore", vec![why], true);
            return vec![];
        }
        if b.category == BackupCategory::Database {
            self.open_form(
                flows::restore::recover_database_form(&b),
                Purpose::RecoverDatabase { backup: b.to_ref() },
            );
            return vec![];
        }
        let caps = self.caps();
        match (caps.restore_in_place, caps.restore_to_new_vm) {
            (true, true) => {
                self.open_form(
                    flows::restore::mode_form(&b),
                    Purpose::RestoreMode {
                        backup: Box::new(b),
                    },
                );
                vec![]
            }
            (true, false) => self.restore_next(&b, true),
            (false, true) => self.restore_next(&b, false),
            (false, false) => {
                self.say(Level::Warn, "this platform cannot restore backups");
                vec![]
            }
        }
    }

    /// The form after the restore mode is known.
    pub(in crate::app) fn restore_next(
        &mut self,
        b: &crate::model::Backup,
        in_place: bool,
    ) -> Vec<Command> {
        if in_place {
            if let Some(why) = self.stop_needed_for_restore(b) {
                return why;
            }
            self.open_form(
                flows::restore::in_place_form(b),
                Purpose::RestoreInPlace { backup: b.to_ref() },
            );
            return vec![];
        }
        let detail = self.vms.detail.as_ref().filter(|d| d.vm.id == b.vm.id);
        let choices = self
            .restore_choices
            .as_ref()
            .filter(|(id, _)| *id == b.id)
            .map(|(_, ch)| ch);
        let form = flows::restore::new_vm_form(b, detail, choices, self.caps(), self.wall);
        self.restore_choices_error = None;
        self.open_form(form, Purpose::Restore { backup: b.to_ref() });
        let seq = self.next_seq();
        self.choices_seq = seq;
        vec![Command::LoadRestoreChoices {
            seq,
            backup: b.to_ref(),
        }]
    }

    /// Where the platform restores in place only into a stopped VM and the backup's VM
    /// runs: explains and offers the stop (as for a snapshot revert). `Some` when it did.
    fn stop_needed_for_restore(&mut self, b: &crate::model::Backup) -> Option<Vec<Command>> {
        if !self.caps().rollback_requires_stopped {
            return None;
        }
        let vm = self
            .vms
            .list
            .items
            .iter()
            .find(|v| v.id == b.vm.id)
            .cloned()
            .filter(|v| !v.power.is_stopped())?;
        let why = format!(
            "The platform restores a VM in place only while it is stopped; {} is {}.",
            vm.name,
            vm.power.label()
        );
        self.offer_stop(&vm.to_ref(), &vm, "Cannot restore in place yet", why);
        Some(vec![])
    }
}
