//! Raw upload bodies (`application/octet-stream` and the like) take a
//! `qlik_sdk::transfer::Upload`: a file path, a reader or stream of known length, or bytes. Progenitor's builders take `B: TryInto<reqwest::Body>`, which for a
//! file means reading it into memory first.
//!
//! On each builder of the `builder` module whose `body` field holds a `reqwest::Body` (also as
//! the `Option` of an optional body, [`crate::optional_body`]):
//! - the field holds `crate::transfer::Upload` instead;
//! - the `body` setter becomes `body(impl Into<crate::transfer::Upload>)` (its docs kept, a
//!   line on what it takes added);
//! - in `send()`, `<request>.body(body)` becomes
//!   `crate::transfer::attach_upload(<request>, body).await?`: the upload is opened when the
//!   request is sent (a file that cannot be opened is `Error::Io` naming it) and streamed with
//!   its `Content-Length`; bytes in memory stay a body the transport can replay.
//!
//! Runs after [`crate::send`] (the `?` converts into the SDK's `Error`). The upload operations of
//! [`crate::extras`] are generated taking an `Upload` already.

use quote::ToTokens;
use std::collections::HashSet;
use syn::visit_mut::VisitMut;

/// The Rust path of the upload type, as the generated code names it.
const UPLOAD: &str = "crate::transfer::Upload";

fn holds_reqwest_body(ty: &syn::Type) -> bool {
    let s = ty.to_token_stream().to_string().replace(' ', "");
    s == "Result<reqwest::Body,String>"
        || s == "::std::option::Option<Result<reqwest::Body,String>>"
}

fn optional(ty: &syn::Type) -> bool {
    ty.to_token_stream()
        .to_string()
        .replace(' ', "")
        .starts_with("::std::option::Option<")
}

/// Rewrites every raw-body builder; returns how many.
pub fn apply(file: &mut syn::File) -> usize {
    let mut count = 0;
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        // Builder name -> its body is optional.
        let mut raw: Vec<(String, bool)> = Vec::new();
        for it in items.iter_mut() {
            let syn::Item::Struct(s) = it else { continue };
            let Some(f) = s
                .fields
                .iter_mut()
                .find(|f| f.ident.as_ref().is_some_and(|i| i == "body"))
            else {
                continue;
            };
            if !holds_reqwest_body(&f.ty) {
                continue;
            }
            let opt = optional(&f.ty);
            let upload: syn::Type = syn::parse_str(UPLOAD).expect("a path");
            f.ty = if opt {
                syn::parse_quote!(::std::option::Option<Result<#upload, String>>)
            } else {
                syn::parse_quote!(Result<#upload, String>)
            };
            raw.push((s.ident.to_string(), opt));
        }
        let names: HashSet<&str> = raw.iter().map(|(n, _)| n.as_str()).collect();
        for it in items.iter_mut() {
            let syn::Item::Impl(imp) = it else { continue };
            if imp.trait_.is_some() {
                continue;
            }
            let syn::Type::Path(tp) = &*imp.self_ty else {
                continue;
            };
            let Some(name) = tp.path.segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            if !names.contains(name.as_str()) {
                continue;
            }
            let opt = raw.iter().any(|(n, o)| *n == name && *o);
            let mut done = (false, false);
            for ii in imp.items.iter_mut() {
                let syn::ImplItem::Fn(f) = ii else { continue };
                if f.sig.ident == "body" {
                    let set: syn::Expr = if opt {
                        syn::parse_quote!(::std::option::Option::Some(Ok(value.into())))
                    } else {
                        syn::parse_quote!(Ok(value.into()))
                    };
                    let attrs = std::mem::take(&mut f.attrs);
                    *f = syn::parse_quote! {
                        pub fn body(mut self, value: impl Into<crate::transfer::Upload>) -> Self {
                            self.body = #set;
                            self
                        }
                    };
                    f.attrs = attrs;
                    let line = " A file path (`Upload::path`, opened by `send()`; an error names \
                                a file that cannot be opened), a reader or stream of known \
                                length, or bytes (`Vec<u8>`, `Bytes`, `String`, `&'static [u8]`): \
                                see [`crate::transfer::Upload`]. Streamed with its \
                                `Content-Length`; a streamed body is sent once (not retried).";
                    f.attrs.push(syn::parse_quote!(#[doc = ""]));
                    f.attrs.push(syn::parse_quote!(#[doc = #line]));
                    done.0 = true;
                } else if f.sig.ident == "send" {
                    let mut s = InSend { rewritten: 0 };
                    s.visit_block_mut(&mut f.block);
                    done.1 = s.rewritten == 1;
                }
            }
            if done == (true, true) {
                count += 1;
            }
        }
    }
    count
}

/// `<request>.body(body)` -> `crate::transfer::attach_upload(<request>, body).await?`.
struct InSend {
    rewritten: usize,
}

impl VisitMut for InSend {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::MethodCall(mc) = e {
            if mc.method == "body"
                && mc.args.len() == 1
                && matches!(&mc.args[0], syn::Expr::Path(p) if p.path.is_ident("body"))
            {
                let mut recv = (*mc.receiver).clone();
                self.visit_expr_mut(&mut recv);
                *e = syn::parse_quote!(crate::transfer::attach_upload(#recv, body).await?);
                self.rewritten += 1;
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(opt: bool) -> (usize, String) {
        let field: syn::Type = if opt {
            syn::parse_quote!(::std::option::Option<Result<reqwest::Body, String>>)
        } else {
            syn::parse_quote!(Result<reqwest::Body, String>)
        };
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct PutMedia { client: super::Client, body: #field }
                impl PutMedia {
                    /// The file.
                    pub fn body<B>(mut self, value: B) -> Self
                    where
                        B: std::convert::TryInto<reqwest::Body>,
                    {
                        self.body = value.try_into().map_err(|_| "must convert to `reqwest::Body`".to_string());
                        self
                    }
                    pub async fn send(self) -> Result<(), crate::Error> {
                        let Self { client, body } = self;
                        let request = client.client.put(url).header(CONTENT_TYPE, "application/octet-stream").body(body).build()?;
                        Ok(())
                    }
                }
                pub struct PutJson { body: Result<types::Thing, String> }
            }
        };
        let n = apply(&mut file);
        (n, prettyplease::unparse(&file))
    }

    #[test]
    fn a_raw_body_takes_an_upload_opened_and_streamed_by_send() {
        let (n, code) = rewritten(false);
        assert_eq!(n, 1, "{code}");
        assert!(
            code.contains("body: Result<crate::transfer::Upload, String>"),
            "{code}"
        );
        assert!(
            code.contains("/// The file.\n        ///\n        /// A file path (`Upload::path`, opened by `send()`; an error names a file that cannot be opened), a reader or stream of known length, or bytes (`Vec<u8>`, `Bytes`, `String`, `&'static [u8]`): see [`crate::transfer::Upload`]. Streamed with its `Content-Length`; a streamed body is sent once (not retried).\n        pub fn body(mut self, value: impl Into<crate::transfer::Upload>) -> Self {\n            self.body = Ok(value.into());"),
            "{code}"
        );
        let flat: String = code.split_whitespace().collect();
        assert!(
            flat.contains("letrequest=crate::transfer::attach_upload(client.client.put(url).header(CONTENT_TYPE,\"application/octet-stream\"),body,).await?.build()?;"),
            "{code}"
        );
        assert!(!code.contains("reqwest::Body"), "{code}");
        assert!(
            code.contains("body: Result<types::Thing, String>"),
            "a JSON body is left alone: {code}"
        );
    }

    #[test]
    fn an_optional_raw_body_stays_optional() {
        let (n, code) = rewritten(true);
        assert_eq!(n, 1, "{code}");
        assert!(
            code.contains("body: ::std::option::Option<Result<crate::transfer::Upload, String>>"),
            "{code}"
        );
        assert!(
            code.contains("self.body = ::std::option::Option::Some(Ok(value.into()));"),
            "{code}"
        );
    }
}
