//! Incremental refresh: where a complete VM listing left off, and what changed since.

use crate::Vm;

/// Where a complete VM listing left off, in the platform's own terms (a CloudTower
/// revision, a ZStack time and count). Opaque to the app: it only hands it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeCursor(pub String);

/// What a platform says changed in a VM listing since a [`ChangeCursor`].
#[derive(Clone, Debug, PartialEq)]
pub enum VmChanges {
    /// VMs created or changed (their whole current row) and the ids of VMs gone, with the
    /// cursor to ask from next time and the listing's new total.
    Changed {
        upserts: Vec<Vm>,
        deleted: Vec<String>,
        total: u64,
        next: ChangeCursor,
    },
    /// The platform cannot say what changed since the cursor (a compacted revision, a
    /// count that no longer adds up): only a complete re-read is right.
    Resync,
}
