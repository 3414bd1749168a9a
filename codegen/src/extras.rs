//! Methods for operations progenitor cannot express (multipart and tus upload bodies),
//! generated in the same builder style as progenitor's: `client.op().param(..).send().await`,
//! through the same hooks (auth, limiter, retries), with the same error type.

use crate::passes::{ExtraOperation, ParamIn};
use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

/// The Rust name of a parameter or form-part setter.
pub(crate) fn ident(name: &str) -> syn::Ident {
    let s = name
        .replace(|c: char| !c.is_alphanumeric(), "_")
        .to_snake_case();
    let s = if s.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    };
    match s.as_str() {
        "type" | "ref" | "match" | "self" | "fn" | "mod" | "use" | "move" | "in" | "loop"
        | "where" | "async" | "await" => {
            format_ident!("{}_", s)
        }
        _ => format_ident!("{}", s),
    }
}

/// The Rust type a JSON form part's setter takes: the generated type of the component the part
/// references, when the `types` module has it.
pub(crate) fn typed_part(
    f: &crate::passes::FormField,
    known_types: &HashSet<String>,
) -> Option<String> {
    let t = crate::passes::type_name(f.schema.as_deref()?);
    (f.json && known_types.contains(&t)).then_some(t)
}

/// Generates the extra methods (an `impl Client` block and a `builder_extra` module).
/// `known_types` are the type names present in the generated `types` module.
pub fn generate(extras: &[ExtraOperation], known_types: &HashSet<String>) -> TokenStream {
    if extras.is_empty() {
        return TokenStream::new();
    }
    let mut methods = Vec::new();
    let mut builders = Vec::new();
    for e in extras {
        let method = format_ident!("{}", e.method_name);
        let op_id = &e.method_name;
        let builder = format_ident!("{}", e.operation_id.to_pascal_case());
        let mut doc = e.doc.clone();
        doc.push_str(&format!(
            "\n\nSends a `{}` request to `{}` with a `{}` body.",
            e.http_method, e.path, e.media_type
        ));
        let http = format_ident!("{}", e.http_method);
        methods.push(quote! {
            #[doc = #doc]
            pub fn #method(&self) -> builder_extra::#builder {
                builder_extra::#builder::new(self)
            }
        });
        let (ok_ty, ok_decode) = match (&e.success_ref, e.success_json) {
            (Some(r), true) if known_types.contains(&r.to_pascal_case()) => {
                let t = format_ident!("{}", r.to_pascal_case());
                (
                    quote!(types::#t),
                    quote!(ResponseValue::from_response(response).await),
                )
            }
            (_, true) => (
                quote!(::serde_json::Value),
                quote!(ResponseValue::from_response(response).await),
            ),
            (_, false) => (
                quote!(ByteStream),
                quote!(Ok(ResponseValue::stream(response))),
            ),
        };
        // As progenitor does for a typed body; a non-JSON success gets the spec's media types
        // from the operation table in the transport (`Operation::accept`).
        let accept = e.success_json.then(
            || quote!(request = request.header(reqwest::header::ACCEPT, "application/json");),
        );
        let mut fields = Vec::new();
        let mut inits = Vec::new();
        let mut setters = Vec::new();
        let mut path_fmt = String::new();
        let mut path_args = Vec::new();
        let mut checks = Vec::new();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        let mut extra_fields: Vec<TokenStream> = Vec::new();
        for p in &e.params {
            let f = ident(&p.name);
            let name = &p.name;
            let pdoc = if p.description.is_empty() {
                format!("Sets `{name}`.")
            } else {
                p.description.clone()
            };
            fields.push(quote!(#f: Option<String>));
            inits.push(quote!(#f: None));
            setters.push(quote! {
                #[doc = #pdoc]
                pub fn #f(mut self, value: impl ToString) -> Self {
                    self.#f = Some(value.to_string());
                    self
                }
            });
            if p.required {
                let msg = format!("`{name}` is required for {op_id}");
                checks.push(
                    quote!(let #f = #f.ok_or_else(|| Error::InvalidRequest(#msg.to_string()))?;),
                );
            }
            match p.location {
                ParamIn::Path => path_args.push(f.clone()),
                ParamIn::Query if p.required => query.push(quote!(request = request.query(&[(#name, #f.as_str())]);)),
                ParamIn::Query => query.push(quote!(if let Some(v) = &#f { request = request.query(&[(#name, v.as_str())]); })),
                ParamIn::Header if p.required => headers.push(quote!(request = request.header(#name, #f.as_str());)),
                ParamIn::Header => headers.push(quote!(if let Some(v) = &#f { request = request.header(#name, v.as_str()); })),
            }
        }
        // path template with `{}` placeholders
        for seg in e.path.split('/').filter(|s| !s.is_empty()) {
            path_fmt.push('/');
            if seg.starts_with('{') {
                path_fmt.push_str("{}");
            } else {
                path_fmt.push_str(seg);
            }
        }
        let path_fmt = format!("{{}}{path_fmt}");
        let path_values: Vec<TokenStream> = e
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|n| {
                let f = ident(n);
                quote!(encode_path(&#f))
            })
            .collect();
        let body = if e.media_type == "multipart/form-data" {
            // `None` until a part is set: an optional body is then left out. Parts are collected
            // in order; file parts are opened (streamed, with their length) by `send()`.
            fields.push(quote!(form: Option<crate::transfer::PendingForm>));
            inits.push(quote!(form: None));
            let mut needs_invalid = false;
            for f in &e.fields {
                let fname = ident(&f.name);
                let name = &f.name;
                let req = if f.required { " Required." } else { "" };
                let fdoc = format!(
                    "{}{req}",
                    if f.description.is_empty() {
                        format!("Form part `{name}`.")
                    } else {
                        f.description.clone()
                    }
                );
                if f.binary {
                    let fdoc = format!(
                        "{fdoc}\n\nThe file's bytes: a path (`Upload::path`, opened when the request is sent), a reader or stream of known length, or bytes in memory (`Vec<u8>`, `Bytes`, `String`, `&'static [u8]`); see [`crate::transfer::Upload`]. Streamed with its length, never read whole into memory; a file that cannot be opened is the error of `send()`, naming it."
                    );
                    setters.push(quote! {
                        #[doc = #fdoc]
                        pub fn #fname(mut self, file_name: impl Into<String>, upload: impl Into<crate::transfer::Upload>) -> Self {
                            self.form = Some(self.form.take().unwrap_or_default().file(#name, file_name.into(), upload.into()));
                            self
                        }
                    });
                } else if f.json {
                    let msg =
                        format!("form part `{name}` of {op_id} cannot be encoded as JSON: {{}}");
                    let reason = "cannot be encoded as JSON: {}";
                    let untyped = |fname: &syn::Ident, fdoc: &str| {
                        quote! {
                            #[doc = #fdoc]
                            pub fn #fname<T: serde::Serialize>(mut self, value: &T) -> Result<Self, Error> {
                                let text = serde_json::to_string(value).map_err(|e| Error::InvalidRequest(format!(#msg, e)))?;
                                let part = reqwest::multipart::Part::text(text).mime_str("application/json").map_err(|e| Error::InvalidRequest(e.to_string()))?;
                                self.form = Some(self.form.take().unwrap_or_default().part(#name, part));
                                Ok(self)
                            }
                        }
                    };
                    match typed_part(f, known_types) {
                        Some(t) => {
                            // The typed setter; the untyped one stays as `<part>_value`.
                            let raw =
                                format_ident!("{}_value", fname.to_string().trim_end_matches('_'));
                            let tdoc = format!(
                                "{fdoc}\n\nSent as a JSON part. To send a value that is not a [`types::{t}`], use [`Self::{raw}`]."
                            );
                            let rdoc = format!(
                                "Form part `{name}` from any serialisable value (the untyped form of [`Self::{fname}`]); fails if it cannot be encoded as JSON.{req}"
                            );
                            let t = format_ident!("{}", t);
                            needs_invalid = true;
                            setters.push(quote! {
                                #[doc = #tdoc]
                                pub fn #fname(mut self, value: types::#t) -> Self {
                                    let part = serde_json::to_string(&value)
                                        .map_err(|e| format!(#reason, e))
                                        .and_then(|text| reqwest::multipart::Part::text(text).mime_str("application/json").map_err(|e| e.to_string()));
                                    match part {
                                        Ok(part) => self.form = Some(self.form.take().unwrap_or_default().part(#name, part)),
                                        Err(e) => { self.invalid.get_or_insert((#name, e)); }
                                    }
                                    self
                                }
                            });
                            setters.push(untyped(&raw, &rdoc));
                        }
                        None => setters.push(untyped(&fname, &fdoc)),
                    }
                } else {
                    setters.push(quote! {
                        #[doc = #fdoc]
                        pub fn #fname(mut self, value: impl ToString) -> Self {
                            self.form = Some(self.form.take().unwrap_or_default().text(#name, value.to_string()));
                            self
                        }
                    });
                }
            }
            if needs_invalid {
                // A typed part that could not be encoded is reported by `send()`.
                fields.push(quote!(invalid: Option<(&'static str, String)>));
                inits.push(quote!(invalid: None));
                checks.insert(
                    0,
                    quote!(if let Some((part, reason)) = invalid {
                        return Err(Error::InvalidRequest(part, reason));
                    }),
                );
                extra_fields.push(quote!(invalid,));
            }
            if e.body_required {
                quote!(request = request.multipart(form.unwrap_or_default().into_form().await?);)
            } else {
                quote!(if let Some(form) = form {
                    request = request.multipart(form.into_form().await?);
                })
            }
        } else {
            fields.push(quote!(body: Option<crate::transfer::Upload>));
            inits.push(quote!(body: None));
            setters.push(quote! {
                /// The bytes to send: a path (`Upload::path`, opened when the request is sent), a
                /// reader or stream of known length, or bytes in memory (`Vec<u8>`, `Bytes`,
                /// `String`, `&'static [u8]`); see [`crate::transfer::Upload`]. Streamed with its
                /// `Content-Length`, never read whole into memory; a file that cannot be opened
                /// is the error of `send()`, naming it. A streamed body is sent once (never
                /// retried); bytes in memory are retried like any body.
                pub fn body(mut self, upload: impl Into<crate::transfer::Upload>) -> Self {
                    self.body = Some(upload.into());
                    self
                }
            });
            let mt = &e.media_type;
            let msg = format!("a body is required for {op_id}");
            if e.body_required {
                quote! {
                    let body = body.ok_or_else(|| Error::InvalidRequest(#msg.to_string()))?;
                    request = crate::transfer::attach_upload(request.header(reqwest::header::CONTENT_TYPE, #mt), body).await?;
                }
            } else {
                quote! {
                    if let Some(body) = body {
                        request = crate::transfer::attach_upload(request.header(reqwest::header::CONTENT_TYPE, #mt), body).await?;
                    }
                }
            }
        };
        let field_names: Vec<syn::Ident> = e.params.iter().map(|p| ident(&p.name)).collect();
        let destructure_extra = if e.media_type == "multipart/form-data" {
            quote!(form, #(#extra_fields)*)
        } else {
            quote!(body,)
        };
        let bdoc = format!(
            "Builder for [`Client::{}`](super::Client::{}).",
            e.method_name, e.method_name
        );
        let _ = &path_args;
        builders.push(quote! {
            #[doc = #bdoc]
            #[derive(Debug)]
            pub struct #builder {
                client: super::Client,
                #(#fields,)*
            }

            impl #builder {
                /// Starts a request, owning a clone of the client (cheap: the connection pool,
                /// tokens and limiter are shared).
                pub fn new(client: &super::Client) -> Self {
                    Self { client: client.clone(), #(#inits,)* }
                }

                #(#setters)*

                /// Sends the request.
                pub async fn send(self) -> Result<ResponseValue<#ok_ty>, Error<::serde_json::Value>> {
                    let Self { client, #(#field_names,)* #destructure_extra } = self;
                    #(#checks)*
                    let url = format!(#path_fmt, client.baseurl, #(#path_values),*);
                    let mut request = client.client.request(reqwest::Method::#http, url);
                    #accept
                    #(#query)*
                    #(#headers)*
                    #body
                    let mut request = request.build().map_err(Error::CommunicationError)?;
                    let info = OperationInfo { operation_id: #op_id };
                    client.pre(&mut request, &info).await?;
                    let result = client.exec(request, &info).await;
                    client.post(&result, &info).await?;
                    let response = result.map_err(Error::CommunicationError)?;
                    match response.status().as_u16() {
                        200..=299 => #ok_decode,
                        400..=599 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        });
    }
    quote! {
        impl Client {
            #(#methods)*
        }

        /// Builders for upload operations (multipart and tus bodies), in progenitor's builder style.
        #[allow(clippy::all, unused_mut)]
        pub mod builder_extra {
            #[allow(unused_imports)]
            use super::{types, encode_path, ByteStream, ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue};
            #(#builders)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::FormField;

    fn part(schema: Option<&str>, json: bool) -> FormField {
        FormField {
            name: "Json".into(),
            binary: false,
            json,
            required: false,
            description: String::new(),
            schema: schema.map(str::to_string),
        }
    }

    #[test]
    fn a_json_part_takes_the_generated_type_of_its_component() {
        let known: HashSet<String> = ["PostFileRequest".to_string(), "Theme".to_string()].into();
        assert_eq!(
            typed_part(&part(Some("PostFileRequest"), true), &known).as_deref(),
            Some("PostFileRequest")
        );
        assert_eq!(
            typed_part(&part(Some("theme"), true), &known).as_deref(),
            Some("Theme")
        );
        // No component, or no type generated for it: the untyped setter.
        assert_eq!(typed_part(&part(None, true), &known), None);
        assert_eq!(typed_part(&part(Some("Other"), true), &known), None);
    }

    #[test]
    fn the_typed_setter_keeps_an_untyped_twin_and_send_reports_encoding_failures() {
        let e = ExtraOperation {
            operation_id: "createThing".into(),
            method_name: "create_thing".into(),
            http_method: "POST".into(),
            path: "/things".into(),
            media_type: "multipart/form-data".into(),
            params: vec![],
            fields: vec![part(Some("Thing"), true)],
            success_ref: None,
            success_json: false,
            doc: String::new(),
            body_required: false,
        };
        let known: HashSet<String> = ["Thing".to_string()].into();
        let code = generate(&[e], &known).to_string();
        assert!(
            code.contains("pub fn json (mut self , value : types :: Thing) -> Self"),
            "{code}"
        );
        assert!(
            code.contains("pub fn json_value < T : serde :: Serialize >"),
            "{code}"
        );
        assert!(
            code.contains("if let Some ((part , reason)) = invalid { return Err (Error :: InvalidRequest (part , reason)) ; }"),
            "{code}"
        );
    }
}
