//! Named post-steps on the generated syntax: what runs on progenitor's output (a `syn::File`)
//! before it is formatted, in the order of [`POST_STEPS`]. Like the JSON [`passes`](crate::passes),
//! each step is named and documented here, and each has a golden test
//! (`codegen/tests/post_steps.rs`: the change the step makes to the fixture spec's code, kept in
//! `codegen/tests/golden/steps/<name>.diff`). The steps' code lives in their own modules
//! ([`crate::extras`], [`crate::owned_client`], [`crate::optional_body`], [`crate::tolerant`],
//! [`crate::lossless`] (with [`crate::request_only`]), [`crate::paging`], [`crate::send`], [`crate::fit`],
//! [`crate::upload_body`], [`crate::response_headers`], [`crate::setter_docs`], [`crate::docs`]); this module only names
//! and orders them.

use serde_json::Value;

use crate::error::CodegenError;
use crate::names_lock::NamesLock;
use crate::passes::ExtraOperation;
use crate::table::OperationRow;

/// What the post-steps know about the API being generated, and what they hand back.
pub struct PostContext<'a> {
    /// API name (manifest `api`).
    pub api: &'a str,
    /// Spec file name, for error messages.
    pub file: &'a str,
    /// The normalised spec.
    pub doc: &'a Value,
    /// The operation table's rows; steps fill in what they learn (`paginated`).
    pub rows: Vec<OperationRow>,
    /// Operations the passes took out of progenitor's input (uploads).
    pub extras: &'a [ExtraOperation],
    /// Names lock: renamed methods keep their published name as a deprecated alias.
    pub lock: Option<&'a NamesLock>,
    /// The declared success headers of each operation (collected before the extras were taken
    /// out); the `response-headers` step fills in what each body decodes to.
    pub headers: Vec<crate::response_headers::OperationHeaders>,
}

/// A named post-step.
pub struct PostStep {
    /// Stable name, used in docs and as the golden file's name.
    pub name: &'static str,
    /// What it does.
    pub doc: &'static str,
    /// The rewrite.
    pub run: fn(&mut syn::File, &mut PostContext<'_>) -> Result<(), CodegenError>,
}

/// All post-steps, in the order they run.
pub const POST_STEPS: &[PostStep] = &[
    PostStep {
        name: "extras",
        doc: "multipart and tus uploads (split off by the `split-unsupported-bodies` pass) become \
              methods of the same client, in progenitor's builder style",
        run: extras,
    },
    PostStep {
        name: "owned-client",
        doc: "builders own a clone of the client (no lifetime), so they can be stored, returned, \
              passed and set conditionally (`let b = qlik.x().y();` compiles)",
        run: owned_client,
    },
    PostStep {
        name: "tolerant",
        doc: "unknown fields are ignored, string enums get an `Unknown(String)` variant, map and \
              array fields read `null` as empty",
        run: tolerant,
    },
    PostStep {
        name: "lossless",
        doc: "objects decode leniently (a value that does not fit is kept, not an error) and keep \
              what they do not type in `extra`, so re-encoding gives back what the server sent; \
              request-only types (sent, never received) stay strict: required fields required, \
              no `extra`",
        run: lossless,
    },
    PostStep {
        name: "paging",
        doc: "list operations with `data` and `links.next` get `.pages()` and `.items()` streams",
        run: paging,
    },
    PostStep {
        name: "send",
        doc: "`send()` returns the SDK's `Error`, calls the transport directly, decodes success \
              bodies leniently and writes numbers as a JavaScript client does",
        run: send,
    },
    PostStep {
        name: "fit",
        doc: "builder arguments that do not convert, or are missing, say what the parameter \
              accepts; enum parse errors name the type and its values; checked newtypes print",
        run: fit,
    },
    PostStep {
        name: "setter-docs",
        doc: "every builder setter carries its parameter's (or field's) description from the spec",
        run: setter_docs,
    },
    PostStep {
        name: "optional-bodies",
        doc: "a request body the spec does not require is sent only when set: without \
              `.body(..)` the request has no body and no `Content-Type`",
        run: optional_bodies,
    },
    PostStep {
        name: "upload-bodies",
        doc: "a raw upload body (`application/octet-stream`) takes `impl Into<Upload>` (a path, \
              a reader or stream of known length, bytes), opened by `send()` and streamed with \
              its `Content-Length`",
        run: upload_bodies,
    },
    PostStep {
        name: "response-headers",
        doc: "operations whose 2xx responses declare headers return a wrapper of `ResponseValue` \
              (`responses::<Method>Response`, `Deref` to it) with one typed, lenient accessor \
              per header, and their method's docs name the headers",
        run: response_headers,
    },
    PostStep {
        name: "docs",
        doc: "doc comments from the specs are prose: code fences become `text`, indented blocks \
              lose their indentation (no doctests from specs)",
        run: docs,
    },
    PostStep {
        name: "qlik-extensions",
        doc: "each method's docs carry its rate-limit tier and stability; `x-qlik-deprecated` \
              becomes `#[deprecated]`",
        run: qlik_extensions,
    },
    PostStep {
        name: "names-lock-aliases",
        doc: "a method renamed since the names lock keeps its old name as a `#[deprecated]` alias \
              (and types named after it their old names)",
        run: names_lock_aliases,
    },
];

/// Runs every post-step on `file`. With `trace`, the formatted code after each step is
/// pushed there (for the golden tests).
pub fn run(
    file: &mut syn::File,
    ctx: &mut PostContext<'_>,
    mut trace: Option<&mut Vec<(&'static str, String)>>,
) -> Result<(), CodegenError> {
    for step in POST_STEPS {
        (step.run)(file, ctx)?;
        if let Some(t) = trace.as_deref_mut() {
            t.push((step.name, prettyplease::unparse(file)));
        }
    }
    Ok(())
}

fn extras(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    let known = crate::generate::type_names(file);
    let extra = crate::extras::generate(ctx.extras, &known);
    if !extra.is_empty() {
        let more: syn::File = syn::parse2(extra).map_err(|e| {
            CodegenError::new(ctx.file, "", format!("generated extras do not parse: {e}"))
        })?;
        file.items.extend(more.items);
    }
    Ok(())
}

fn owned_client(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::owned_client::apply(file);
    Ok(())
}

fn optional_bodies(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::optional_body::apply(file, ctx.file, &ctx.rows).map(|_| ())
}

fn upload_bodies(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::upload_body::apply(file);
    Ok(())
}

fn tolerant(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::tolerant::apply(file);
    Ok(())
}

fn lossless(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    let directions = crate::request_only::classify(file);
    crate::lossless::apply_strict(file, &directions.request_only);
    Ok(())
}

fn paging(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    let paged = crate::paging::add_streams(file, ctx.api, &ctx.rows);
    for r in ctx.rows.iter_mut() {
        r.paginated = paged.contains(&r.method_name);
    }
    Ok(())
}

fn send(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::send::apply(file, ctx.api);
    Ok(())
}

fn fit(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::fit::apply(file);
    Ok(())
}

fn response_headers(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::response_headers::apply(file, &mut ctx.headers);
    Ok(())
}

fn setter_docs(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::setter_docs::apply(file);
    Ok(())
}

fn docs(file: &mut syn::File, _: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::docs::apply(file);
    Ok(())
}

fn qlik_extensions(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    crate::generate::annotate(file, &ctx.rows, ctx.doc);
    Ok(())
}

fn names_lock_aliases(file: &mut syn::File, ctx: &mut PostContext<'_>) -> Result<(), CodegenError> {
    if let Some(lock) = ctx.lock {
        let aliases = crate::names_lock::aliases(lock, ctx.api, &ctx.rows);
        crate::generate::add_aliases(file, &aliases);
        let methods: Vec<String> = ctx.rows.iter().map(|r| r.method_name.clone()).collect();
        crate::names_lock::add_type_aliases(file, &aliases, &methods);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn steps_are_named_once_and_documented() {
        let mut names: Vec<&str> = super::POST_STEPS.iter().map(|s| s.name).collect();
        assert!(super::POST_STEPS.iter().all(|s| !s.doc.is_empty()));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), super::POST_STEPS.len());
    }
}
