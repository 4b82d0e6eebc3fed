//! The attribute's options: `maxsize = 128, ttl_secs = 60, skip_args = 1, ..`.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitInt, LitStr, Token, Type};

/// Which macro is expanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[async_lru]`
    Lru,
    /// `#[async_ttl]`
    Ttl,
}

impl Kind {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Self::Lru => "#[async_lru]",
            Self::Ttl => "#[async_ttl]",
        }
    }

    fn known(self) -> &'static str {
        match self {
            Self::Lru => "`maxsize`, `skip_args`, `name`, `key`, `key_type`",
            Self::Ttl => {
                "`ttl_secs`, `maxsize`, `fail_safe_secs`, `skip_args`, `name`, `key`, `key_type`"
            }
        }
    }
}

/// The options, checked: each appears at most once, `ttl_secs` only (and
/// always) in `#[async_ttl]`, `key` and `key_type` together.
pub(crate) struct Options {
    pub(crate) maxsize: Option<Expr>,
    pub(crate) ttl_secs: Option<Expr>,
    /// `#[async_ttl]` only: keep expired results this long, served when a
    /// new call fails (fail-safe).
    pub(crate) fail_safe_secs: Option<Expr>,
    /// The count and the literal, for error spans.
    pub(crate) skip_args: Option<(usize, LitInt)>,
    pub(crate) name: Option<LitStr>,
    /// `key = <expr>` with `key_type = <Type>`.
    pub(crate) key: Option<(Expr, Type)>,
}

/// One `name = value`, the value parsed as the option requires.
enum Opt {
    Maxsize(Ident, Expr),
    TtlSecs(Ident, Expr),
    FailSafeSecs(Ident, Expr),
    SkipArgs(Ident, LitInt),
    Name(Ident, LitStr),
    Key(Ident, Expr),
    KeyType(Ident, Type),
}

impl Opt {
    fn ident(&self) -> &Ident {
        match self {
            Self::Maxsize(i, _)
            | Self::TtlSecs(i, _)
            | Self::FailSafeSecs(i, _)
            | Self::SkipArgs(i, _)
            | Self::Name(i, _)
            | Self::Key(i, _)
            | Self::KeyType(i, _) => i,
        }
    }
}

impl Opt {
    fn parse(kind: Kind, input: ParseStream<'_>) -> syn::Result<Self> {
        let ident: Ident = input.parse()?;
        let text = ident.to_string();
        let known = match text.as_str() {
            "maxsize" | "skip_args" | "name" | "key" | "key_type" => true,
            "ttl_secs" | "fail_safe_secs" => kind == Kind::Ttl,
            _ => false,
        };
        if !known {
            let hint =
                if text == "ttl_secs" { "; for results that expire use #[async_ttl]" } else { "" };
            return Err(syn::Error::new_spanned(
                &ident,
                format!(
                    "unknown option `{text}` for {}: expected one of {}{hint}",
                    kind.attribute(),
                    kind.known()
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        Ok(match text.as_str() {
            "maxsize" => Self::Maxsize(ident, input.parse()?),
            "ttl_secs" => Self::TtlSecs(ident, input.parse()?),
            "fail_safe_secs" => Self::FailSafeSecs(ident, input.parse()?),
            "skip_args" => Self::SkipArgs(ident, input.parse()?),
            "name" => Self::Name(ident, input.parse()?),
            "key" => Self::Key(ident, input.parse()?),
            _ => Self::KeyType(ident, input.parse()?),
        })
    }
}

impl Options {
    /// Parses and checks the attribute's arguments.
    pub(crate) fn parse(kind: Kind, args: ParseStream<'_>) -> syn::Result<Self> {
        let mut opts = Vec::new();
        while !args.is_empty() {
            opts.push(Opt::parse(kind, args)?);
            if args.is_empty() {
                break;
            }
            args.parse::<Token![,]>()?;
        }
        let mut seen: Vec<String> = Vec::new();
        let mut options = Self {
            maxsize: None,
            ttl_secs: None,
            fail_safe_secs: None,
            skip_args: None,
            name: None,
            key: None,
        };
        let mut key = None;
        let mut key_type = None;
        for opt in opts {
            let ident = opt.ident().clone();
            let text = ident.to_string();
            if seen.contains(&text) {
                return Err(syn::Error::new_spanned(ident, format!("`{text}` is given twice")));
            }
            seen.push(text);
            match opt {
                Opt::Maxsize(_, e) => options.maxsize = Some(e),
                Opt::TtlSecs(_, e) => options.ttl_secs = Some(e),
                Opt::FailSafeSecs(_, e) => options.fail_safe_secs = Some(e),
                Opt::SkipArgs(_, lit) => {
                    let n = lit.base10_parse::<usize>()?;
                    options.skip_args = Some((n, lit));
                }
                Opt::Name(_, lit) => options.name = Some(lit),
                Opt::Key(i, e) => key = Some((i, e)),
                Opt::KeyType(i, t) => key_type = Some((i, t)),
            }
        }
        if kind == Kind::Ttl && options.ttl_secs.is_none() {
            return Err(syn::Error::new(
                Span::call_site(),
                "#[async_ttl] needs `ttl_secs`: how long a result lives, e.g. \
                 #[async_ttl(ttl_secs = 60)]",
            ));
        }
        match (key, key_type) {
            (Some((_, expr)), Some((_, ty))) => {
                if let Some((_, lit)) = &options.skip_args {
                    return Err(syn::Error::new_spanned(
                        lit,
                        "`skip_args` has no effect with `key = ..`: the key expression \
                         decides what the key is",
                    ));
                }
                options.key = Some((expr, ty));
            }
            (Some((i, _)), None) => {
                return Err(syn::Error::new_spanned(
                    i,
                    "`key = ..` needs `key_type = <Type>` too: the type of the key \
                     expression (the cache is a static, so its key type must be written)",
                ));
            }
            (None, Some((i, _))) => {
                return Err(syn::Error::new_spanned(
                    i,
                    "`key_type` goes with `key = <expr>`; without `key`, the key is made \
                     of the arguments",
                ));
            }
            (None, None) => {}
        }
        Ok(options)
    }
}
