//! `vmdeck backup create|delete|restore`: the operations the dashboard's Backups pane
//! builds, from the same forms filled the way the dashboard fills them by default. A
//! choice the dashboard would ask for and no flag gives is refused, naming the flag.

use super::ops::{BackupCmd, find_vm};
use super::targets::Target;
use crate::app::flows;
use crate::cli::Failure;
use crate::model::{
    Backup, BackupCategory, BackupFilter, BackupQuery, BackupScope, Named, PageRequest, Timestamp,
    Vm, VmRef,
};
use crate::operation::Operation;

pub(super) async fn steps(
    t: &Target,
    vm: Option<Vm>,
    cmd: &BackupCmd,
) -> Result<Vec<Operation>, Failure> {
    match cmd {
        BackupCmd::Create { point, name, .. } => {
            let vm = vm.expect("backup create names a VM");
            create(t, &vm, point.as_deref(), name.as_deref()).await
        }
        BackupCmd::Delete { sure, backup } => {
            let b = find_backup(t, sure.cluster.as_deref(), backup).await?;
            Ok(vec![Operation::DeleteBackup { backup: b.to_ref() }])
        }
        BackupCmd::Restore {
            sure,
            backup,
            in_place,
            as_name,
        } => {
            let b = find_backup(t, sure.cluster.as_deref(), backup).await?;
            restore(t, &b, *in_place, as_name.as_deref()).await
        }
    }
}

async fn create(
    t: &Target,
    vm: &Vm,
    point: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<Operation>, Failure> {
    let caps = t.backend.capabilities();
    if !caps.backup_points {
        let how = if caps.backup_plans {
            "backups are made by backup plans here: run one from the dashboard's backup plans"
        } else {
            "this platform cannot make backups"
        };
        return Err(Failure::user(format!("site {}: {how}", t.site)));
    }
    let points = t
        .backend
        .backup_points(&vm.cluster)
        .await
        .map_err(|e| t.failed(e))?;
    let names = || {
        points
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let label = flows::backup::point_label(caps).to_lowercase();
    let chosen = match point {
        Some(arg) => points
            .iter()
            .find(|p| p.id == arg)
            .or_else(|| points.iter().find(|p| p.name == arg))
            .ok_or_else(|| {
                Failure::user(format!(
                    "site {}: no {label} \"{arg}\" ({label}s: {})",
                    t.site,
                    names()
                ))
            })?,
        None => match points.as_slice() {
            [only] => only,
            [] => {
                return Err(Failure::user(format!(
                    "site {}: no {label} to back up to",
                    t.site
                )));
            }
            _ => {
                return Err(Failure::user(format!(
                    "site {}: which {label}? add --point NAME ({})",
                    t.site,
                    names()
                )));
            }
        },
    };
    let vmref = vm.to_ref();
    let mut form = flows::backup::create_form(
        &vmref,
        None,
        std::slice::from_ref(chosen),
        caps,
        BackupCategory::Vm,
        Timestamp::now(),
    );
    if let Some(name) = name {
        replace_text(&mut form, "name", name);
    }
    flows::backup::create(&vmref, &form).map_err(|e| Failure::user(format!("site {}: {e}", t.site)))
}

async fn restore(
    t: &Target,
    b: &Backup,
    in_place: bool,
    as_name: Option<&str>,
) -> Result<Vec<Operation>, Failure> {
    if let Some(why) = flows::restore::refuse(b) {
        return Err(Failure::user(format!("site {}: {why}", t.site)));
    }
    let caps = t.backend.capabilities();
    let refuse = |why: &str| Err(Failure::user(format!("site {}: {why}", t.site)));
    if b.category == BackupCategory::Database {
        return refuse(
            "a database backup is recovered from the dashboard (it asks for the MySQL root password)",
        );
    }
    let Some(new_name) = as_name else {
        if !in_place {
            return match (caps.restore_in_place, caps.restore_to_new_vm) {
                (true, true) => refuse("restore how? add --in-place or --as NEWNAME"),
                (true, false) => refuse("this platform restores over the VM only: add --in-place"),
                (false, true) => {
                    refuse("this platform restores to a new VM only: add --as NEWNAME")
                }
                (false, false) => refuse("this platform cannot restore backups"),
            };
        }
        if !caps.restore_in_place {
            return refuse("this platform cannot restore in place: use --as NEWNAME");
        }
        if caps.rollback_requires_stopped {
            let vm = find_vm(t, None, &b.vm.id).await?;
            if !vm.power.is_stopped() {
                return Err(Failure::user(format!(
                    "site {}: the platform restores a VM in place only while it is stopped; {} is {}: `vmdeck vm stop --vm {}` first",
                    t.site,
                    vm.name,
                    vm.power.label(),
                    vm.id
                )));
            }
        }
        let form = flows::restore::in_place_form(b);
        return flows::restore::in_place(&b.to_ref(), &form).map_err(Failure::user);
    };
    if !caps.restore_to_new_vm {
        return refuse("this platform cannot restore to a new VM: use --in-place");
    }
    let bref = b.to_ref();
    // The VM's current configuration pre-fills placement, as in the dashboard; a VM that
    // is gone leaves the platform's first choices.
    let vmref = VmRef {
        cluster: b.cluster.clone(),
        id: b.vm.id.clone(),
        name: b.vm.name.clone(),
        tenant: b.tenant.clone(),
    };
    let detail = t.backend.vm_detail(&vmref).await.ok();
    let choices = t
        .backend
        .restore_choices(&bref)
        .await
        .map_err(|e| t.failed(e))?;
    let mut form =
        flows::restore::new_vm_form_named(b, detail.as_ref(), Some(&choices), caps, new_name);
    flows::restore::fill_choices(&mut form, &choices, b, detail.as_ref());
    flows::restore::new_vm(&bref, &form, caps)
        .map_err(|e| Failure::user(format!("site {}: cannot restore {}: {e}", t.site, b.name)))
}

fn replace_text(form: &mut crate::app::form::Form, key: &str, value: &str) {
    if let Some(f) = form.fields.iter_mut().find(|f| f.key == key) {
        *f = crate::app::form::Field::text(key, f.label.clone(), value);
    }
}

/// The backup `arg` names (its id, else its name) among the VM and volume backups of
/// `--cluster` (every cluster by default). A name several share is an error listing them.
async fn find_backup(t: &Target, cluster: Option<&str>, arg: &str) -> Result<Backup, Failure> {
    let cluster = t.cluster(cluster).await?;
    let categories: Vec<BackupCategory> = t
        .backend
        .capabilities()
        .backup_categories
        .iter()
        .copied()
        .filter(|c| *c != BackupCategory::Database)
        .collect();
    let mut found = Vec::new();
    // By name first (the platform filters); else among all of them, an id or a name the
    // platform's filter does not match as written.
    for by_name in [true, false] {
        for &category in &categories {
            let filter = BackupFilter {
                name: if by_name {
                    arg.to_string()
                } else {
                    String::new()
                },
                ..Default::default()
            };
            for b in all_backups(t, &cluster, category, filter).await? {
                if b.id == arg || b.name == arg {
                    found.push(b);
                }
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    if found.iter().any(|b| b.id == arg) {
        found.retain(|b| b.id == arg);
    }
    found.dedup_by(|a, b| a.id == b.id);
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Failure::user(format!(
            "site {}: no backup \"{arg}\"",
            t.site
        ))),
        n => {
            let list: Vec<String> = found
                .iter()
                .map(|b| format!("{} (VM {}, cluster {})", b.id, b.vm.name, b.cluster.name))
                .collect();
            Err(Failure::user(format!(
                "site {}: {n} backups are named \"{arg}\": {}; give the id",
                t.site,
                list.join(", ")
            )))
        }
    }
}

async fn all_backups(
    t: &Target,
    cluster: &Named,
    category: BackupCategory,
    filter: BackupFilter,
) -> Result<Vec<Backup>, Failure> {
    let size = t.spec.profile.backup_page_size();
    let mut all = Vec::new();
    let mut index = 0;
    loop {
        let query = BackupQuery {
            scope: BackupScope::Cluster {
                cluster: cluster.clone(),
            },
            category,
            page: PageRequest { index, size },
            filter: filter.clone(),
        };
        let listing = t.backend.backups(&query).await.map_err(|e| t.failed(e))?;
        let done = listing.value.is_last() || listing.value.items.is_empty();
        all.extend(listing.value.items);
        if done {
            return Ok(all);
        }
        index += 1;
    }
}
