//! The one reviewed list of spec-specific decisions. No pass names a file or an operation;
//! only entries here do, each with its reason. Keep it short: prefer a general pass.

/// A Rust-facing name chosen by hand where the verb+resource rule reads the path wrongly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameOverlay {
    /// API name (manifest `api`).
    pub api: &'static str,
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path as published.
    pub path: &'static str,
    /// The operationId to use (camelCase; the Rust method is its snake_case form).
    pub operation_id: &'static str,
    /// Why the general naming rule is not good enough here.
    pub reason: &'static str,
}

/// Names given by hand. Everything else follows the rule in [`crate::naming`].
pub const NAMES: &[NameOverlay] = &[
    NameOverlay {
        api: "users",
        method: "get",
        path: "/api/v1/users/me",
        operation_id: "getMyUser",
        reason: "the seed tutorial's call; the path rule would give `get_users_me`, the summary is 'Get my user'",
    },
    NameOverlay {
        api: "tenants",
        method: "get",
        path: "/api/v1/tenants/me",
        operation_id: "getMyTenant",
        reason: "same shape as users/me; named alike so the two redirect-to-resource calls read the same",
    },
    NameOverlay {
        api: "apps",
        method: "post",
        path: "/api/v1/apps/validatescript",
        operation_id: "validateScript",
        reason: "the path writes two words as one (`validatescript`), so the resource rule reads a noun and gives `create_validatescript`",
    },
    NameOverlay {
        api: "items",
        method: "get",
        path: "/api/v1/items/{itemId}/publisheditems",
        operation_id: "listPublishedItems",
        reason: "the path writes two words as one (`publisheditems`), so the rule gives `list_publisheditems`",
    },
    NameOverlay {
        api: "ui-config",
        method: "post",
        path: "/api/v1/ui-config/pinned-links/actions/bulk-create-pinned-links",
        operation_id: "bulkCreatePinnedLinks",
        reason: "the action's name repeats the resource (`bulk-create-pinned-links` on `pinned-links`), so the rule gives `bulk_ui_config_pinned_links_create_pinned_links`",
    },
    NameOverlay {
        api: "ui-config",
        method: "post",
        path: "/api/v1/ui-config/pinned-links/actions/delete-all-pinned-links",
        operation_id: "deleteAllPinnedLinks",
        reason: "the action's name repeats the resource (`delete-all-pinned-links` on `pinned-links`), so the rule gives `delete_ui_config_pinned_links_all_pinned_links`",
    },
];

/// The overlay name for an operation, if one is listed. Paths are compared without their
/// server prefix and version segments ([`crate::naming::resource_segments`]), so an entry keeps
/// naming its operation when Qlik moves it from `/v1/...` to `/api/v1/...`.
pub fn name_for(api: &str, method: &str, path: &str) -> Option<&'static NameOverlay> {
    let segs = crate::naming::resource_segments(path);
    NAMES.iter().find(|n| {
        n.api == api && n.method == method && crate::naming::resource_segments(n.path) == segs
    })
}
