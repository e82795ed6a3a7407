//! Form bodies: `validate` (every field against its format, before
//! sending) and `encode` for a request type, `validate_item`/`encode_item`
//! for the item of an indexed group (`it[1]`, `id[1]`, …); and `from_kv`,
//! which reads a response or notification from `key=value` pairs.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::*;

use super::ty::ident;

fn lit_opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// The checks of one field, as expressions over `v` that return
/// `Result<(), String>` (the broken rule).
fn rules(f: &Field) -> Vec<TokenStream> {
    let c = &f.constraints;
    let mut rules = Vec::new();
    match &f.ty {
        TypeRef::Prim(Prim::String) => {
            if f.presence.is_plain() {
                // An empty value would not be sent at all.
                rules.push(quote!(rt::check::present(v)));
            }
            if c.min_length.is_some() || c.max_length.is_some() {
                let (lo, hi) = (lit_opt(c.min_length), lit_opt(c.max_length));
                rules.push(quote!(rt::check::length(v, #lo, #hi)));
            }
            if !c.symbols.is_empty() {
                let syms = &c.symbols;
                rules.push(quote!(rt::check::symbols(v, &[#(#syms),*])));
            }
        }
        TypeRef::Prim(Prim::I64) => {
            if c.min_digits.is_some() || c.max_digits.is_some() {
                let (lo, hi) = (lit_opt(c.min_digits), lit_opt(c.max_digits));
                rules.push(quote!(rt::check::digits(*v, #lo, #hi)));
            }
            if c.minimum.is_some() || c.maximum.is_some() {
                let (lo, hi) = (
                    lit_opt(c.minimum.map(Bound::integer_min)),
                    lit_opt(c.maximum.map(Bound::integer_max)),
                );
                rules.push(quote!(rt::check::range(*v, #lo, #hi)));
            }
        }
        _ => {}
    }
    rules
}

/// `validate` and `encode` for a form request type (`item`: the item of an
/// indexed group, numbered `n` from 1).
pub fn emit_form_body(t: &TypeDef, s: &Struct, item: bool) -> TokenStream {
    let sname = ident(&t.name);
    let mut checks = Vec::new();
    let mut encodes = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.rust);
        let wire = &f.wire;
        let optional = !f.presence.is_plain();
        encodes.push(match (f.layout, item, optional) {
            (FieldLayout::Indexed, _, false) => quote! {
                for (i, item) in self.#fname.iter().enumerate() { item.encode_item(form, i + 1); }
            },
            (FieldLayout::Indexed, _, true) => quote! {
                for (i, item) in self.#fname.iter().flatten().enumerate() { item.encode_item(form, i + 1); }
            },
            (FieldLayout::Map, _, false) => quote!(form.push_map(#wire, &self.#fname);),
            (FieldLayout::Map, _, true) => quote!(form.push_map_opt(#wire, &self.#fname);),
            (FieldLayout::Plain, true, false) => quote!(form.push_indexed(#wire, n, &self.#fname);),
            (FieldLayout::Plain, true, true) => {
                quote!(form.push_indexed_opt(#wire, n, &self.#fname);)
            }
            (FieldLayout::Plain, false, false) => quote!(form.push(#wire, &self.#fname);),
            (FieldLayout::Plain, false, true) => quote!(form.push_opt(#wire, &self.#fname);),
        });
        if f.layout == FieldLayout::Indexed {
            let c = &f.constraints;
            let (lo, hi) = (lit_opt(c.min_items), lit_opt(c.max_items));
            let group = f.rust.as_str();
            let body = quote! {
                rt::check::field(#group, rt::check::items(v.len(), #lo, #hi))?;
                for (i, item) in v.iter().enumerate() { item.validate_item(i + 1)?; }
            };
            checks.push(if optional {
                quote!(if let Some(v) = &self.#fname { #body })
            } else {
                quote!({ let v = &self.#fname; #body })
            });
            continue;
        }
        let rules = rules(f);
        if rules.is_empty() {
            continue;
        }
        let body = if item {
            quote!(#(rt::check::item_field(#wire, n, #rules)?;)*)
        } else {
            quote!(#(rt::check::field(#wire, #rules)?;)*)
        };
        let is_string = f.ty == TypeRef::Prim(Prim::String);
        checks.push(match (optional, is_string) {
            // An empty optional string is not sent, so it is not checked either.
            (true, true) => {
                quote!(if let Some(v) = self.#fname.as_deref().filter(|v| !v.is_empty()) { #body })
            }
            (true, false) => quote!(if let Some(v) = &self.#fname { #body }),
            (false, _) => quote!({ let v = &self.#fname; #body }),
        });
    }
    let check_doc = " Checks every field against its format; the error names the first broken one.";
    if item {
        let n_arg = if checks.is_empty() {
            quote!(_n)
        } else {
            quote!(n)
        };
        quote! {
            impl #sname {
                #[doc = #check_doc]
                pub fn validate_item(&self, #n_arg: usize) -> Result<(), runtime::Invalid> {
                    #(#checks)*
                    Ok(())
                }

                fn encode_item(&self, form: &mut rt::Form, n: usize) {
                    #(#encodes)*
                }
            }
        }
    } else {
        quote! {
            impl #sname {
                #[doc = #check_doc]
                pub fn validate(&self) -> Result<(), runtime::Invalid> {
                    #(#checks)*
                    Ok(())
                }

                fn encode(&self, form: &mut rt::Form) {
                    #(#encodes)*
                }
            }
        }
    }
}

/// `from_kv`: a response or notification read from `key=value` pairs. The
/// `skip` keys (the status field, a notification's key) are not fields
/// and are not kept in `additional` either.
pub fn emit_from_kv(t: &TypeDef, s: &Struct, skip: &[&str]) -> TokenStream {
    let sname = ident(&t.name);
    let mut known: Vec<&str> = skip.iter().copied().filter(|k| !k.is_empty()).collect();
    let mut inits = Vec::new();
    for f in &s.fields {
        let fname = ident(&f.rust);
        let wire = f.wire.as_str();
        known.push(wire);
        known.extend(f.aliases.iter().map(String::as_str));
        let aliases = &f.aliases;
        inits.push(if f.layout == FieldLayout::Map {
            quote!(#fname: Some(kv.prefixed(#wire)),)
        } else if aliases.is_empty() {
            quote!(#fname: kv.parse(#wire)?,)
        } else {
            quote!(#fname: kv.parse_any(&[#wire, #(#aliases),*])?,)
        });
    }
    let additional = s
        .additional
        .is_some()
        .then(|| quote!(additional: kv.rest(KNOWN),));
    let known_const = s
        .additional
        .is_some()
        .then(|| quote!(const KNOWN: &[&str] = &[#(#known),*];));
    let doc = super::doc::paragraphs(&[super::doc::Para::Ours(if s.additional.is_some() {
        "Reads the fields from `key=value` pairs; keys the spec does not\ndeclare are kept in `additional`."
    } else {
        "Reads the fields from `key=value` pairs."
    })]);
    quote! {
        impl #sname {
            #doc
            pub fn from_kv(kv: &rt::KeyValues) -> Result<Self, String> {
                #known_const
                Ok(Self {
                    #(#inits)*
                    #additional
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ty::test_support::*;
    use super::*;

    #[test]
    fn fields_are_checked_then_encoded_in_order() {
        let mut api = api();
        let mut lastname = field("lastname", TypeRef::Prim(Prim::String), Presence::Required);
        lastname.constraints.min_length = Some(2);
        lastname.constraints.max_length = Some(50);
        let mut amount = field("amount", TypeRef::Prim(Prim::I64), Presence::Optional);
        amount.constraints.max_digits = Some(10);
        let s = Struct {
            fields: vec![lastname, amount],
            additional: None,
        };
        let id = add(&mut api, "CaptureRequest", TypeKind::Struct(s.clone()));
        assert_tokens(
            emit_form_body(api.ty(id), &s, false),
            quote! {
                impl CaptureRequest {
                    /// Checks every field against its format; the error names the first broken one.
                    pub fn validate(&self) -> Result<(), runtime::Invalid> {
                        {
                            let v = &self.lastname;
                            rt::check::field("lastname", rt::check::present(v))?;
                            rt::check::field("lastname", rt::check::length(v, Some(2u64), Some(50u64)))?;
                        }
                        if let Some(v) = &self.amount {
                            rt::check::field("amount", rt::check::digits(*v, None, Some(10u32)))?;
                        }
                        Ok(())
                    }
                    fn encode(&self, form: &mut rt::Form) {
                        form.push("lastname", &self.lastname);
                        form.push_opt("amount", &self.amount);
                    }
                }
            },
        );
    }

    #[test]
    fn items_are_numbered_from_one() {
        let mut api = api();
        let mut id_field = field("id", TypeRef::Prim(Prim::String), Presence::Optional);
        id_field.constraints.max_length = Some(32);
        let s = Struct {
            fields: vec![id_field],
            additional: None,
        };
        let id = add(&mut api, "LineItem", TypeKind::Struct(s.clone()));
        let text = emit_form_body(api.ty(id), &s, true);
        assert_contains(
            &text,
            &[
            "pub fn validate_item (& self , n : usize) -> Result < () , runtime :: Invalid >",
            "rt :: check :: item_field (\"id\" , n , rt :: check :: length (v , None , Some (32u64))) ?",
            "form . push_indexed_opt (\"id\" , n , & self . id) ;",
            ],
        );
    }

    #[test]
    fn responses_keep_undeclared_keys_but_not_the_skipped_ones() {
        let mut api = api();
        let mut url = field(
            "redirecturl",
            TypeRef::Prim(Prim::String),
            Presence::Optional,
        );
        url.aliases = vec!["redirect_url".into()];
        let s = Struct {
            fields: vec![url],
            additional: Some(TypeRef::Prim(Prim::String)),
        };
        let id = add(&mut api, "Redirect", TypeKind::Struct(s.clone()));
        assert_tokens(
            emit_from_kv(api.ty(id), &s, &["status"]),
            quote! {
                impl Redirect {
                    /// Reads the fields from `key=value` pairs; keys the spec does not
                    /// declare are kept in `additional`.
                    pub fn from_kv(kv: &rt::KeyValues) -> Result<Self, String> {
                        const KNOWN: &[&str] = &["status", "redirecturl", "redirect_url"];
                        Ok(Self {
                            redirecturl: kv.parse_any(&["redirecturl", "redirect_url"])?,
                            additional: kv.rest(KNOWN),
                        })
                    }
                }
            },
        );
    }
}
