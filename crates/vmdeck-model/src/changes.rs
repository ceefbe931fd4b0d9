//! Incremental refresh: where a complete VM listing left off, and what changed since.

use crate::{PageRequest, Vm};

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
    /// Only the listing's pages that hold the rows on screen were read again (a platform
    /// without a change log: TopHC): their rows, the ids no longer on them, and the
    /// listing's total. The other rows are as of the last complete listing.
    Partial {
        upserts: Vec<Vm>,
        deleted: Vec<String>,
        total: u64,
    },
    /// The platform cannot say what changed since the cursor (a compacted revision, a
    /// count that no longer adds up): only a complete re-read is right.
    Resync,
}

/// One page of a complete listing with rows on screen: the page as it was asked for, and
/// the ids it held then (so a re-read can tell which of them left it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownPage {
    pub page: PageRequest,
    pub ids: Vec<String>,
}
