//! Enums of documented words that keep every other word.

/// An enum of the words a platform documents, with `Unknown(text)` for everything else (a
/// newer server's state, a typo, a number). `null` or a missing key is `Unknown("")` (see
/// `is_absent`). Matching trims and ignores case, because proxies and older servers differ
/// there and nothing is gained by refusing.
///
/// A variant's word is its name (`Running`) unless one is given (`Running = "RUNNING"`):
///
/// ```text
/// lenient_enum! {
///     /// VM `status`.
///     pub enum VmStatus { Running = "RUNNING", Stopped = "STOPPED" }
/// }
/// ```
macro_rules! lenient_enum {
    (@word $variant:ident $word:literal) => {
        $word
    };
    (@word $variant:ident) => {
        stringify!($variant)
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident $(= $word:literal)?),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            Unknown(String),
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// The documented word (the server's own, trimmed, for an unknown value).
            pub fn as_wire(&self) -> &str {
                match self {
                    $($name::$variant => $crate::lenient::lenient_enum!(@word $variant $($word)?),)+
                    $name::Unknown(s) => s,
                }
            }

            /// `null`, missing or blank.
            pub fn is_absent(&self) -> bool {
                matches!(self, $name::Unknown(s) if s.trim().is_empty())
            }

            pub fn parse(s: &str) -> Self {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($crate::lenient::lenient_enum!(@word $variant $($word)?)) {
                    return $name::$variant;
                })+
                $name::Unknown(t.to_string())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <$crate::lenient::Str as serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

pub(crate) use lenient_enum;

#[cfg(test)]
mod tests {
    use serde_json::json;

    lenient_enum! {
        pub enum Color { Red = "RED", DarkBlue = "DARK_BLUE" }
    }

    lenient_enum! {
        /// Words are the variants' names.
        pub enum Shade { Light, Dark }
    }

    #[test]
    fn documented_words_in_any_case() {
        let c: Color = serde_json::from_value(json!("DARK_BLUE")).unwrap();
        assert_eq!(c, Color::DarkBlue);
        assert_eq!(c.as_wire(), "DARK_BLUE");
        let c: Color = serde_json::from_value(json!("red")).unwrap();
        assert_eq!(c, Color::Red);
        assert_eq!(Shade::parse(" DARK "), Shade::Dark);
        assert_eq!(Shade::Light.as_wire(), "Light");
    }

    #[test]
    fn other_words_are_kept_and_nothing_is_absent() {
        let c: Color = serde_json::from_value(json!("ULTRAVIOLET")).unwrap();
        assert_eq!(c, Color::Unknown("ULTRAVIOLET".into()));
        assert_eq!(c.as_wire(), "ULTRAVIOLET");
        assert!(!c.is_absent());
        let c: Color = serde_json::from_value(json!(7)).unwrap();
        assert_eq!(c, Color::Unknown("7".into()));
        assert_eq!(Shade::parse(" Mauve "), Shade::Unknown("Mauve".into()));
        for v in [json!(null), json!("  "), json!({"a": 1})] {
            let c: Color = serde_json::from_value(v.clone()).unwrap();
            assert!(c.is_absent(), "{v}");
            assert_eq!(c.as_wire(), "", "{v}");
        }
    }
}
