//! Table of every generated operation (placeholder until codegen lands).

/// One REST operation of a Qlik Cloud API, as published in its spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// API (spec file stem / cargo feature), e.g. `users`.
    pub api: &'static str,
    /// Rust method name on that API's client, e.g. `get_my_user`.
    pub method_name: &'static str,
    /// HTTP method, upper case.
    pub http_method: &'static str,
    /// Path template, e.g. `/api/v1/users/{userId}`.
    pub path: &'static str,
    /// Qlik rate-limit tier (`x-qlik-tier.tier`): `"1"`, `"2"` or `"special"`.
    pub tier: Option<&'static str>,
    /// Requests per minute allowed for this operation (`x-qlik-tier.limit`).
    pub limit_per_minute: Option<u32>,
}

/// Every operation of the enabled APIs.
pub static OPERATIONS: &[Operation] = &[];

/// Finds an operation by API and Rust method name.
pub fn find(api: &str, method_name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.api == api && o.method_name == method_name)
}
