//! `qlik.transfers()`: the one-call jobs that move files in and out of a tenant.

use crate::Qlik;

/// The file-moving jobs of a tenant: uploads, downloads, app export/import and copy, data files.
/// Get one with [`Qlik::transfers`]; it holds a cheap clone of the client.
#[derive(Clone, Debug)]
pub struct Transfers {
    pub(crate) qlik: Qlik,
}

impl Qlik {
    /// The file-moving jobs of this tenant (see [`Transfers`]).
    pub fn transfers(&self) -> Transfers {
        Transfers { qlik: self.clone() }
    }
}

impl Transfers {
    /// The client the jobs run on.
    pub fn client(&self) -> &Qlik {
        &self.qlik
    }
}
