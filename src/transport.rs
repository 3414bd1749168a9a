//! The layer between generated clients and the wire (placeholder until the auth/transport issue lands).

use progenitor_client::OperationInfo;

/// Shared state handed to every generated client (`with_inner_type`).
#[derive(Clone, Debug, Default)]
pub struct Inner {}

impl Inner {
    /// Runs before every request (auth, limiter).
    pub(crate) async fn pre(
        &self,
        _api: &'static str,
        _request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), String> {
        Ok(())
    }

    /// Sends the request (retries, 401 refresh).
    pub(crate) async fn exec(
        &self,
        client: &reqwest::Client,
        _api: &'static str,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        client.execute(request).await
    }
}
