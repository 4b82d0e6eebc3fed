//! The expansion: the function, its hidden body, its cache and companions.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, GenericParam, Ident, ItemFn, Pat, PathArguments, ReturnType, Type,
};

use crate::options::{Kind, Options};

/// One argument after the receiver.
struct Arg {
    ident: Ident,
    ty: Type,
}

/// What the function returns, as the cache sees it.
struct Output {
    /// The cached value: `V` of `-> Result<V, E>`, else the return type
    /// (`()` when there is no `->`).
    value: Type,
    /// `E` of `-> Result<V, E>`: then only `Ok` is cached.
    error: Option<Type>,
}

/// Expands `#[async_lru(..)]` / `#[async_ttl(..)]` on `function`.
pub(crate) fn expand(kind: Kind, options: &Options, function: &ItemFn) -> syn::Result<TokenStream> {
    let attribute = kind.attribute();
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            format!("{attribute} memoizes an `async fn`: add `async` (this one is not async)"),
        ));
    }
    if let Some(param) =
        sig.generics.params.iter().find(|p| !matches!(p, GenericParam::Lifetime(_)))
    {
        return Err(generic_error(param, attribute));
    }
    if let Some(clause) = &sig.generics.where_clause {
        return Err(generic_error(clause, attribute));
    }

    let mut receiver = None;
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => receiver = Some(r),
            FnArg::Typed(typed) => {
                let ident = match &*typed.pat {
                    Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            format!(
                                "{attribute} needs each argument to be a plain name \
                                 (`id: u64`): destructure inside the body instead"
                            ),
                        ));
                    }
                };
                if contains_impl_trait(&typed.ty) {
                    return Err(generic_error(&typed.ty, attribute));
                }
                args.push(Arg { ident, ty: (*typed.ty).clone() });
            }
        }
    }

    let skip = match &options.skip_args {
        Some((n, lit)) if *n > args.len() => {
            return Err(syn::Error::new_spanned(
                lit,
                format!(
                    "`skip_args = {n}`, but `{}` has only {} argument{} besides the receiver",
                    sig.ident,
                    args.len(),
                    if args.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        Some((n, _)) => *n,
        None => 0,
    };

    let output = match &sig.output {
        ReturnType::Default => Output { value: syn::parse_quote!(()), error: None },
        ReturnType::Type(_, ty) => {
            if contains_impl_trait(ty) {
                return Err(generic_error(ty, attribute));
            }
            output_of(ty)?
        }
    };

    Ok(generate(kind, options, function, receiver.is_some(), &args, skip, &output))
}

/// The "generics are not supported" error at `tokens`.
fn generic_error(tokens: impl quote::ToTokens, attribute: &str) -> syn::Error {
    syn::Error::new_spanned(
        tokens,
        format!(
            "{attribute} does not support generic functions (type or const parameters, \
             `impl Trait`, `where` clauses): each memoized function has one static cache, \
             whose key and value types must be concrete"
        ),
    )
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// `Result<V, E>` (by the last path segment) or a plain value.
fn output_of(ty: &Type) -> syn::Result<Output> {
    if let Type::Path(path) = ty {
        if let Some(last) = path.path.segments.last() {
            if last.ident == "Result" {
                let types: Vec<&Type> = match &last.arguments {
                    PathArguments::AngleBracketed(a) => a
                        .args
                        .iter()
                        .filter_map(|arg| match arg {
                            GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                return match types.as_slice() {
                    [value, error] => {
                        Ok(Output { value: (*value).clone(), error: Some((*error).clone()) })
                    }
                    _ => Err(syn::Error::new_spanned(
                        ty,
                        "write the result type in full, `Result<V, E>`: the macro needs to \
                         see the error type (a `Result<T>` alias hides it)",
                    )),
                };
            }
        }
    }
    Ok(Output { value: ty.clone(), error: None })
}

/// A key part: its owned type and the expression that makes it from the
/// argument (`&T` becomes `<T as ToOwned>::Owned`).
fn key_part(arg: &Arg) -> (TokenStream, TokenStream) {
    let ident = &arg.ident;
    match &arg.ty {
        Type::Reference(reference) => {
            let elem = &reference.elem;
            (
                quote!(<#elem as ::std::borrow::ToOwned>::Owned),
                quote!(<#elem as ::std::borrow::ToOwned>::to_owned(&*#ident)),
            )
        }
        ty => (quote!(#ty), quote!(::core::clone::Clone::clone(&#ident))),
    }
}

/// `assert_key::<#ty>();`, spanned at the user's type.
fn assert_key(span: Span, ty: &TokenStream) -> TokenStream {
    quote_spanned!(span=> ::cache_facade::__private::assert_key::<#ty>();)
}

fn tuple(parts: &[TokenStream]) -> TokenStream {
    match parts {
        [one] => one.clone(),
        many => quote!((#(#many,)*)),
    }
}

#[allow(clippy::too_many_lines)]
fn generate(
    kind: Kind,
    options: &Options,
    function: &ItemFn,
    is_method: bool,
    args: &[Arg],
    skip: usize,
    output: &Output,
) -> TokenStream {
    let sig = &function.sig;
    let vis = &function.vis;
    let ident = &sig.ident;
    let fn_name = ident.to_string();
    let fn_name = fn_name.strip_prefix("r#").unwrap_or(&fn_name);
    let attrs = &function.attrs;
    let cfgs: Vec<_> = attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
        .collect();
    let lint_attrs: Vec<_> = attrs
        .iter()
        .filter(|a| ["cfg", "cfg_attr", "allow"].iter().any(|name| a.path().is_ident(name)))
        .collect();

    let inner = format_ident!("__{}_uncached", ident, span = ident.span());
    let cache_fn = format_ident!("{}_cache", ident, span = ident.span());
    let refresh_fn = format_ident!("{}_refresh", ident, span = ident.span());
    let invalidate_fn = format_ident!("{}_invalidate", ident, span = ident.span());
    let clear_fn = format_ident!("{}_clear", ident, span = ident.span());
    let metrics_fn = format_ident!("{}_metrics", ident, span = ident.span());
    let key_var = Ident::new("__cache_key", Span::mixed_site());

    // Named after the function's path unless `name = ".."` says otherwise,
    // so two memoized functions never share their metric series.
    let name = match &options.name {
        Some(name) => quote!(#name),
        None => quote!(::core::concat!(::core::module_path!(), "::", #fn_name)),
    };

    // The key type and expression; each key part is checked by a call to
    // `assert_key` with the span of the argument's type, so that an unfit
    // type is reported where it is written.
    let (key_ty, key_expr, key_asserts) = if let Some((expr, ty)) = &options.key {
        (quote!(#ty), quote!(#expr), assert_key(ty.span(), &quote!(#ty)))
    } else {
        let mut types = Vec::new();
        let mut exprs = Vec::new();
        let mut asserts = TokenStream::new();
        for arg in &args[skip..] {
            let (ty, expr) = key_part(arg);
            asserts.extend(assert_key(arg.ty.span(), &ty));
            types.push(ty);
            exprs.push(expr);
        }
        (tuple(&types), tuple(&exprs), asserts)
    };
    let value_ty = &output.value;
    let value_assert = quote_spanned!(value_ty.span()=>
        ::cache_facade::__private::assert_value::<#value_ty>();
    );
    // The error type is checked by `unwrap_result`'s bound, at its span.
    let error_ty = output.error.as_ref();

    let make_cache = match kind {
        Kind::Lru => {
            let maxsize = options.maxsize.as_ref().map_or_else(|| quote!(128), |m| quote!(#m));
            quote!(::cache_facade::__private::memo_cache_lru(#name, #maxsize))
        }
        Kind::Ttl => {
            let ttl = options.ttl_secs.as_ref().map(|t| quote!(#t));
            let maxsize = options.maxsize.as_ref().map_or_else(
                || quote!(::core::option::Option::None),
                |m| quote!(::core::option::Option::Some(#m)),
            );
            let fail_safe = options.fail_safe_secs.as_ref().map_or_else(
                || quote!(::core::option::Option::None),
                |f| quote!(::core::option::Option::Some(#f)),
            );
            quote!(::cache_facade::__private::memo_cache_ttl(#name, #ttl, #maxsize, #fail_safe))
        }
    };

    // How the generated functions reach their siblings.
    let path = |f: &Ident| if is_method { quote!(Self::#f) } else { quote!(#f) };
    let cache_path = path(&cache_fn);
    let inner_path = path(&inner);
    let self_arg = is_method.then(|| quote!(self,));
    let arg_idents: Vec<&Ident> = args.iter().map(|a| &a.ident).collect();
    let call_inner = quote!(#inner_path(#self_arg #(#arg_idents),*));
    let (loader, unwrap) = match error_ty {
        Some(error) => (quote!(move || ::cache_facade::__private::shared(#call_inner)), {
            // Spanned at the error type: an unfit one is reported there.
            let rebuild = quote_spanned!(error.span()=>
                (&&::cache_facade::__private::Rebuild::<#error>::new()).rebuild()
            );
            quote!((|result| {
                #[allow(unused_imports)]
                use ::cache_facade::__private::{ViaClone as _, ViaFrom as _};
                let rebuild = #rebuild;
                ::cache_facade::__private::unwrap_result::<#value_ty, #error>(result, rebuild)
            }))
        }),
        None => (
            quote!(move || ::cache_facade::__private::infallible(#call_inner)),
            quote!(::cache_facade::__private::unwrap_value::<#value_ty>),
        ),
    };

    // The public signature: the original one, without `mut` on bindings (the
    // body, which may mutate them, moved to the hidden function).
    let mut outer_sig = sig.clone();
    for input in &mut outer_sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if r.reference.is_none() {
                    r.mutability = None;
                }
            }
            FnArg::Typed(t) => {
                if let Pat::Ident(p) = &mut *t.pat {
                    p.mutability = None;
                }
            }
        }
    }
    let mut refresh_sig = outer_sig.clone();
    refresh_sig.ident = refresh_fn.clone();
    let mut inner_sig = sig.clone();
    inner_sig.ident = inner.clone();
    let block = &function.block;

    let refresh_doc = format!(
        " Runs `{fn_name}` again and caches its result, even when one was cached \
         (Python's `use_cache=False`); callers arriving meanwhile share this run."
    );
    let invalidate_doc = format!(
        " Drops the cached result of `{fn_name}` for `key`; returns whether there was one."
    );
    let clear_doc = format!(" Drops every cached result of `{fn_name}`.");
    let metrics_doc = format!(" The counters and size of `{fn_name}`'s cache.");
    let cache_doc = format!(" The cache behind `{fn_name}` (made on first use).");

    quote! {
        #[doc = #cache_doc]
        #(#cfgs)*
        #[must_use]
        #[allow(dead_code)]
        #vis fn #cache_fn() -> &'static ::cache_facade::MemoCache<#key_ty, #value_ty> {
            static CACHE: ::std::sync::OnceLock<::cache_facade::MemoCache<#key_ty, #value_ty>> =
                ::std::sync::OnceLock::new();
            CACHE.get_or_init(|| #make_cache)
        }

        #(#attrs)*
        #vis #outer_sig {
            #key_asserts
            #value_assert
            let #key_var: #key_ty = #key_expr;
            #unwrap(#cache_path().get_with_inline(#key_var, #loader).await)
        }

        #[doc(hidden)]
        #[allow(dead_code)]
        #(#lint_attrs)*
        #inner_sig #block

        #[doc = #refresh_doc]
        #(#cfgs)*
        #[allow(dead_code)]
        #vis #refresh_sig {
            let #key_var: #key_ty = #key_expr;
            #unwrap(::cache_facade::__private::refresh(#cache_path(), #key_var, #loader).await)
        }

        #[doc = #invalidate_doc]
        #(#cfgs)*
        #[allow(dead_code)]
        #vis async fn #invalidate_fn(key: &#key_ty) -> bool {
            #cache_path().remove(key).await.is_some()
        }

        #[doc = #clear_doc]
        #(#cfgs)*
        #[allow(dead_code)]
        #vis async fn #clear_fn() {
            #cache_path().clear().await;
        }

        #[doc = #metrics_doc]
        #(#cfgs)*
        #[must_use]
        #[allow(dead_code)]
        #vis fn #metrics_fn() -> ::cache_facade::MetricsSnapshot {
            #cache_path().metrics()
        }
    }
}
