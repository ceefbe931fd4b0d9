//! What the backend has learned from earlier reads and needs later without asking again:
//! names for uuids (inventories mention clusters, hosts and storages by uuid only), each
//! VM's root volume (VM snapshots and VM backups are addressed by it, and `plan` cannot
//! read) and zone, and the backup storages (a recover needs one to receive the backup).

use std::collections::HashMap;
use std::sync::RwLock;

use super::reads;
use super::session::Api;
use super::wire::{NameOnly, Query};
use vmdeck_model::Named;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    pub id: String,
    pub name: String,
    pub image_store: bool,
    pub enabled: bool,
    /// Zones it is attached to (a remote disaster-recovery store is attached to none).
    pub zones: Vec<String>,
}

#[derive(Default)]
pub struct Known {
    names: RwLock<HashMap<String, String>>,
    roots: RwLock<HashMap<String, String>>,
    zones: RwLock<HashMap<String, String>>,
    storages: RwLock<Vec<Storage>>,
}

impl Known {
    pub fn learn(&self, uuid: &str, name: &str) {
        if uuid.is_empty() || name.is_empty() {
            return;
        }
        let mut m = self.names.write().unwrap_or_else(|e| e.into_inner());
        // Bounded: a long session over a huge inventory must not grow without end.
        if m.len() > 200_000 {
            m.clear();
        }
        m.insert(uuid.to_string(), name.to_string());
    }

    pub fn name(&self, uuid: &str) -> Option<String> {
        self.names
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(uuid)
            .cloned()
    }

    /// `uuid` with its name when known, else the uuid itself (something to look up).
    pub fn named(&self, uuid: &str) -> Named {
        let name = self.name(uuid).unwrap_or_else(|| uuid.to_string());
        Named::new(uuid, name)
    }

    /// Asks `resource` for the names of the uuids not known yet. Best effort: a failure
    /// leaves them unnamed (the uuid shows instead).
    pub async fn resolve(&self, api: &Api, resource: &str, uuids: impl IntoIterator<Item = &str>) {
        let mut missing: Vec<String> = uuids
            .into_iter()
            .filter(|u| !u.is_empty() && self.name(u).is_none())
            .map(str::to_string)
            .collect();
        missing.sort();
        missing.dedup();
        for chunk in missing.chunks(100) {
            match api
                .read::<Query<NameOnly>>(&reads::names(resource, chunk).call())
                .await
            {
                Ok(reply) => {
                    for n in reply.into_items() {
                        self.learn(&n.uuid, &n.name);
                    }
                }
                Err(e) => {
                    tracing::debug!(resource, error = %e, "name look-up failed");
                    return;
                }
            }
        }
    }

    pub fn learn_root(&self, vm: &str, root_volume: &str) {
        if vm.is_empty() || root_volume.is_empty() {
            return;
        }
        let mut m = self.roots.write().unwrap_or_else(|e| e.into_inner());
        if m.len() > 200_000 {
            m.clear();
        }
        m.insert(vm.to_string(), root_volume.to_string());
    }

    pub fn root_volume(&self, vm: &str) -> Option<String> {
        self.roots
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(vm)
            .cloned()
    }

    pub fn learn_zone(&self, vm: &str, zone: &str) {
        if vm.is_empty() || zone.is_empty() {
            return;
        }
        let mut m = self.zones.write().unwrap_or_else(|e| e.into_inner());
        if m.len() > 200_000 {
            m.clear();
        }
        m.insert(vm.to_string(), zone.to_string());
    }

    pub fn zone_of(&self, vm: &str) -> Option<String> {
        self.zones
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(vm)
            .cloned()
    }

    pub fn set_storages(&self, list: Vec<Storage>) {
        for s in &list {
            self.learn(&s.id, &s.name);
        }
        *self.storages.write().unwrap_or_else(|e| e.into_inner()) = list;
    }

    pub fn storages(&self) -> Vec<Storage> {
        self.storages
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
