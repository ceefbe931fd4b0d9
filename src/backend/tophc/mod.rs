//! Topsec TopHC `/v1` backend (placeholder until the backend lands).

use async_trait::async_trait;
use secrecy::SecretString;

use super::{Backend, BackendError, HttpCall, Result, SubmitError, TaskWatch, VmQuery};
use crate::config::Profile;
use crate::model::*;
use crate::operation::Operation;

pub struct TopHc {
    caps: Capabilities,
    endpoint: String,
    user: String,
}

impl TopHc {
    pub async fn connect(profile: &Profile, _password: SecretString) -> Result<Self> {
        let _ = (&profile.url, &profile.username);
        Err(BackendError::Refused("TopHC backend not built yet".into()))
    }
}

#[async_trait]
impl Backend for TopHc {
    fn platform(&self) -> Platform {
        Platform::TopHc
    }
    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }
    fn endpoint(&self) -> &str {
        &self.endpoint
    }
    fn user(&self) -> &str {
        &self.user
    }
    async fn clusters(&self) -> Result<Listing<Vec<Cluster>>> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn vms(&self, _: &Named, _: &VmQuery) -> Result<Listing<Page<Vm>>> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn vm_detail(&self, _: &VmRef) -> Result<VmDetail> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn snapshots(&self, _: &VmRef) -> Result<SnapshotTree> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn backups(&self, _: &BackupQuery) -> Result<Listing<Page<Backup>>> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn backup_points(&self, _: &Named) -> Result<Vec<BackupPoint>> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn remote_backups(&self, _: &Named, _: &Named, _: PageRequest) -> Result<Page<RemoteBackup>> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn restore_choices(&self, _: &Named) -> Result<RestoreChoices> {
        Err(BackendError::Refused("not built".into()))
    }
    fn plan(&self, _: &Operation) -> Result<Vec<HttpCall>> {
        Err(BackendError::Refused("not built".into()))
    }
    async fn submit(&self, _: &Operation) -> std::result::Result<Box<dyn TaskWatch>, SubmitError> {
        Err(SubmitError::Rejected(BackendError::Refused("not built".into())))
    }
}
