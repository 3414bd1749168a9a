//! The generated `send()` methods, rewritten to return the SDK's own error (`crate::Error`) and
//! to decode success bodies leniently:
//!
//! - the return type becomes `Result<ResponseValue<T>, crate::Error>`;
//! - a builder argument that failed to convert is `Error::InvalidArgument` naming the parameter;
//! - the transport is called directly (`Inner::pre`/`Inner::exec`), so its errors keep their
//!   variant (no message parsed back);
//! - a JSON success body is decoded by `crate::lenient::response` (lenient, lossless, a decode
//!   error names the operation and the field path); an error status is `Error::Api`;
//! - numbers go on the wire as a JavaScript client writes them: JSON bodies through
//!   `crate::lenient::JsNumbers`, number query parameters through `crate::lenient::JsNumber`.

#[cfg(test)]
use quote::quote;
use quote::ToTokens;
use std::collections::HashMap;
use syn::visit_mut::VisitMut;

/// What was changed (for logs and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendRewrite {
    /// `send()` methods rewritten.
    pub methods: usize,
    /// Number query parameters written as JavaScript numbers.
    pub number_params: usize,
}

fn is_float(ty: &syn::Type) -> Option<bool> {
    // Some(true): `Option<f64>`; Some(false): `f64`.
    let s = ty.to_token_stream().to_string().replace(' ', "");
    if s.ends_with("Option<f64>") || s.ends_with("Option<f32>") {
        Some(true)
    } else if s == "f64" || s == "f32" {
        Some(false)
    } else {
        None
    }
}

/// The value type of a builder field `Result<T, String>`.
fn builder_field_types(s: &syn::ItemStruct) -> HashMap<String, syn::Type> {
    let mut out = HashMap::new();
    for f in &s.fields {
        let Some(id) = &f.ident else { continue };
        let syn::Type::Path(p) = &f.ty else { continue };
        let Some(last) = p.path.segments.last() else {
            continue;
        };
        if last.ident != "Result" {
            continue;
        }
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            continue;
        };
        if let Some(syn::GenericArgument::Type(t)) = a.args.first() {
            out.insert(id.to_string(), t.clone());
        }
    }
    out
}

struct Body<'a> {
    api: &'a str,
    op: String,
    fields: &'a HashMap<String, syn::Type>,
    stats: &'a mut SendRewrite,
}

impl Body<'_> {
    fn path_is(p: &syn::Path, want: &[&str]) -> bool {
        p.segments.len() >= want.len()
            && p.segments
                .iter()
                .rev()
                .zip(want.iter().rev())
                .all(|(s, w)| s.ident == w)
    }
}

impl VisitMut for Body<'_> {
    fn visit_local_mut(&mut self, l: &mut syn::Local) {
        // `let x = x.map_err(Error::InvalidRequest)?;`
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &mut l.init) {
            let name = pi.ident.to_string();
            let api = self.api;
            let op = &self.op;
            let param = name.trim_start_matches("r#").to_string();
            if let syn::Expr::Try(t) = &mut *init.expr {
                if let syn::Expr::MethodCall(mc) = &mut *t.expr {
                    if mc.method == "map_err"
                        && mc.args.len() == 1
                        && matches!(&mc.args[0], syn::Expr::Path(p) if Self::path_is(&p.path, &["Error", "InvalidRequest"]))
                    {
                        mc.args[0] = syn::parse_quote!(|e| crate::Error::invalid_request(#api, #op, #param, e));
                    }
                }
            }
        }
        syn::visit_mut::visit_local_mut(self, l);
    }

    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        syn::visit_mut::visit_stmt_mut(self, s);
    }

    fn visit_block_mut(&mut self, b: &mut syn::Block) {
        let api = self.api;
        // `client.post(&result, &info).await?;` goes: the transport has no post hook.
        b.stmts.retain(|s| {
            let t = s.to_token_stream().to_string();
            !(t.starts_with("client . post (") && t.contains("& result"))
        });
        for s in b.stmts.iter_mut() {
            let t = s.to_token_stream().to_string();
            if t.starts_with("client . pre (& mut request , & info)") {
                *s = syn::parse_quote!(client.inner.pre(#api, &mut request, &info).await?;);
            } else if t.starts_with("let result = client . exec (request , & info)") {
                *s = syn::parse_quote!(let result = client.inner.exec(&client.client, #api, request, &info).await;);
            } else if t
                .starts_with("let response = result . map_err (Error :: CommunicationError) ?")
            {
                *s = syn::parse_quote!(let response = result?;);
            }
        }
        syn::visit_mut::visit_block_mut(self, b);
    }

    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        let api = self.api;
        let op = self.op.clone();
        let text = e.to_token_stream().to_string();
        match text.as_str() {
            "ResponseValue :: from_response (response) . await" => {
                *e = syn::parse_quote!(crate::lenient::response(response, #api, #op).await);
                return;
            }
            "Err (Error :: ErrorResponse (ResponseValue :: from_response (response) . await ?))" => {
                *e = syn::parse_quote!(Err(crate::Error::from_response(response).await));
                return;
            }
            "Err (Error :: UnexpectedResponse (response))" => {
                *e = syn::parse_quote!(Err(crate::Error::unexpected(response)));
                return;
            }
            _ => {}
        }
        if let syn::Expr::MethodCall(mc) = e {
            // `.json(&body)`: integral numbers without `.0`.
            if mc.method == "json" && mc.args.len() == 1 {
                let arg = &mc.args[0];
                mc.args[0] = syn::parse_quote!(&crate::lenient::JsNumbers(#arg));
            }
            // `.build().map_err(Error::CommunicationError)?` (extras) -> `.build()?`.
            if mc.method == "map_err"
                && matches!(mc.args.first(), Some(syn::Expr::Path(p)) if Self::path_is(&p.path, &["Error", "CommunicationError"]))
            {
                let recv = (*mc.receiver).clone();
                *e = syn::parse_quote!(#recv.map_err(crate::Error::from));
                return self.visit_expr_mut(e);
            }
        }
        if let syn::Expr::Call(c) = e {
            // Extras: `Error::InvalidRequest("`brand-id` is required for op".to_string())`.
            if let syn::Expr::Path(p) = &*c.func {
                if Self::path_is(&p.path, &["Error", "InvalidRequest"]) && c.args.len() == 1 {
                    let text = c.args[0].to_token_stream().to_string();
                    let param = text
                        .split('`')
                        .nth(1)
                        .unwrap_or(if text.contains("body") {
                            "body"
                        } else {
                            "argument"
                        })
                        .to_string();
                    *e = syn::parse_quote!(crate::Error::invalid_request(#api, #op, #param, "is required"));
                    return;
                }
                // Extras: `Error::InvalidRequest(part, reason)`, a form part that could not be
                // encoded, reported by `send()` with its reason.
                if Self::path_is(&p.path, &["Error", "InvalidRequest"]) && c.args.len() == 2 {
                    let (param, reason) = (&c.args[0], &c.args[1]);
                    *e = syn::parse_quote!(crate::Error::invalid_request(#api, #op, #param, #reason));
                    return;
                }
            }
            // `QueryParam::new("limit", &limit)` for a number parameter.
            if let syn::Expr::Path(p) = &*c.func {
                if Self::path_is(&p.path, &["QueryParam", "new"]) && c.args.len() == 2 {
                    if let syn::Expr::Reference(r) = &c.args[1] {
                        if let syn::Expr::Path(v) = &*r.expr {
                            let name = v.path.to_token_stream().to_string();
                            if let Some(opt) = self.fields.get(&name).and_then(is_float) {
                                let id = &v.path;
                                c.args[1] = if opt {
                                    syn::parse_quote!(&#id.map(|n| crate::lenient::JsNumber(n as f64)))
                                } else {
                                    syn::parse_quote!(&crate::lenient::JsNumber(#id as f64))
                                };
                                self.stats.number_params += 1;
                            }
                        }
                    }
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// Rewrites every builder's `send()` in the `builder` and `builder_extra` modules.
pub fn apply(file: &mut syn::File, api: &str) -> SendRewrite {
    let mut stats = SendRewrite::default();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" && m.ident != "builder_extra" {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        let structs: HashMap<String, HashMap<String, syn::Type>> = items
            .iter()
            .filter_map(|it| match it {
                syn::Item::Struct(s) => Some((s.ident.to_string(), builder_field_types(s))),
                _ => None,
            })
            .collect();
        for it in items.iter_mut() {
            let syn::Item::Impl(imp) = it else { continue };
            if imp.trait_.is_some() {
                continue;
            }
            let Some(name) = (match &*imp.self_ty {
                syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            }) else {
                continue;
            };
            let empty = HashMap::new();
            let fields = structs.get(&name).unwrap_or(&empty);
            for ii in imp.items.iter_mut() {
                let syn::ImplItem::Fn(f) = ii else { continue };
                if f.sig.ident != "send" || f.sig.asyncness.is_none() {
                    continue;
                }
                let Some(op) = operation_id(&f.block) else {
                    continue;
                };
                // `Result<ResponseValue<T>, Error<E>>` -> `Result<ResponseValue<T>, crate::Error>`.
                let syn::ReturnType::Type(_, ret) = &mut f.sig.output else {
                    continue;
                };
                let Some(ok) = result_ok(ret) else { continue };
                **ret = syn::parse_quote!(::std::result::Result<#ok, crate::Error>);
                let mut body = Body {
                    api,
                    op,
                    fields,
                    stats: &mut stats,
                };
                body.visit_block_mut(&mut f.block);
                stats.methods += 1;
            }
        }
    }
    stats
}

/// The `operation_id` literal of `OperationInfo { operation_id: "..." }` in a send body.
fn operation_id(b: &syn::Block) -> Option<String> {
    let t = b.to_token_stream().to_string();
    let i = t.find("operation_id :")?;
    let rest = &t[i..];
    let start = rest.find('"')? + 1;
    let end = rest[start..].find('"')? + start;
    Some(rest[start..end].to_string())
}

fn result_ok(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_returns_the_sdk_error_and_writes_js_numbers() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct GetUsers<'a> {
                    client: &'a super::Client,
                    limit: Result<Option<f64>, String>,
                    name: Result<Option<String>, String>,
                }
                impl<'a> GetUsers<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Users>, Error<::serde_json::Value>> {
                        let Self { client, limit, name } = self;
                        let limit = limit.map_err(Error::InvalidRequest)?;
                        let name = name.map_err(Error::InvalidRequest)?;
                        let mut request = client.client.get(url)
                            .query(&progenitor_client::QueryParam::new("limit", &limit))
                            .query(&progenitor_client::QueryParam::new("name", &name))
                            .json(&body)
                            .build()?;
                        let info = OperationInfo { operation_id: "get_users" };
                        client.pre(&mut request, &info).await?;
                        let result = client.exec(request, &info).await;
                        client.post(&result, &info).await?;
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => ResponseValue::from_response(response).await,
                            400u16..=499u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        let stats = apply(&mut file, "users");
        assert_eq!(
            stats,
            SendRewrite {
                methods: 1,
                number_params: 1
            }
        );
        let code = quote!(#file).to_string();
        assert!(
            code.contains(
                ":: std :: result :: Result < ResponseValue < types :: Users > , crate :: Error >"
            ),
            "{code}"
        );
        assert!(
            code.contains(
                "crate :: Error :: invalid_request (\"users\" , \"get_users\" , \"limit\" , e)"
            ),
            "{code}"
        );
        assert!(
            code.contains("client . inner . pre (\"users\" , & mut request , & info)"),
            "{code}"
        );
        assert!(!code.contains("client . post"), "{code}");
        assert!(
            code.contains("crate :: lenient :: response (response , \"users\" , \"get_users\")"),
            "{code}"
        );
        assert!(
            code.contains("Err (crate :: Error :: from_response (response) . await)"),
            "{code}"
        );
        assert!(
            code.contains("Err (crate :: Error :: unexpected (response))"),
            "{code}"
        );
        assert!(
            code.contains("& limit . map (| n | crate :: lenient :: JsNumber (n as f64))"),
            "{code}"
        );
        assert!(
            code.contains("QueryParam :: new (\"name\" , & name)"),
            "{code}"
        );
        assert!(
            code.contains("json (& crate :: lenient :: JsNumbers (& body))"),
            "{code}"
        );
    }
}
