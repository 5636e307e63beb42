//! A closed vocabulary: an enum whose values have a stable identifier (kept in data and
//! exports) and a Dutch and an English label (shown to people).

/// Declares `enum $name { $variant, … }` with `ALL`, `as_str`, `parse`, `label_nl`,
/// `label_en` and `label(en)`.
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => ($id:literal, $nl:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable identifier, as stored and exported.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $id ),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $( $id => Some($name::$variant), )+ _ => None }
            }

            pub fn label_nl(self) -> &'static str {
                match self { $( $name::$variant => $nl ),+ }
            }

            pub fn label_en(self) -> &'static str {
                match self { $( $name::$variant => $en ),+ }
            }

            /// The label in English when `en`, else in Dutch.
            pub fn label(self, en: bool) -> &'static str {
                if en { self.label_en() } else { self.label_nl() }
            }
        }
    };
}
