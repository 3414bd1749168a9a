#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    ///`Errors`
    #[derive(Clone, Debug, Default)]
    pub struct Errors {
        pub errors: ::std::vec::Vec<
            ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        >,
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub extra: crate::lenient::Extra,
    }
    impl Errors {
        pub fn builder() -> builder::Errors {
            Default::default()
        }
    }
    ///`Kind`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default)]
    pub struct Kind {
        ///the kind
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub value: ::std::option::Option<::std::string::String>,
    }
    impl Kind {
        pub fn builder() -> builder::Kind {
            Default::default()
        }
    }
    ///One of: `+name`, `-name`, `createdAt`.
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct ListWidgetsSort(::std::string::String);
    impl ::std::ops::Deref for ListWidgetsSort {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<ListWidgetsSort> for ::std::string::String {
        fn from(value: ListWidgetsSort) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for ListWidgetsSort {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(||
            { ::regress::Regex::new("^(?:\\+name|\\-name|createdAt)$").unwrap() });
            if PATTERN.find(value).is_none() {
                return Err(
                    "doesn't match pattern \"^(?:\\+name|\\-name|createdAt)$\"".into(),
                );
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for ListWidgetsSort {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for ListWidgetsSort {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for ListWidgetsSort {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`Widget`
    #[derive(Clone, Debug)]
    pub struct Widget {
        pub created_at: ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
        pub enabled: ::std::option::Option<bool>,
        pub id: ::std::string::String,
        ///the kind
        pub kind: ::std::option::Option<::std::string::String>,
        pub type_: ::std::option::Option<WidgetType>,
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub extra: crate::lenient::Extra,
    }
    impl Widget {
        pub fn builder() -> builder::Widget {
            Default::default()
        }
    }
    ///`WidgetList`
    #[derive(Clone, Debug, Default)]
    pub struct WidgetList {
        pub data: ::std::vec::Vec<Widget>,
        pub links: ::std::option::Option<WidgetListLinks>,
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub extra: crate::lenient::Extra,
    }
    impl WidgetList {
        pub fn builder() -> builder::WidgetList {
            Default::default()
        }
    }
    ///`WidgetListLinks`
    #[derive(Clone, Debug, Default)]
    pub struct WidgetListLinks {
        pub next: ::std::option::Option<WidgetListLinksNext>,
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub extra: crate::lenient::Extra,
    }
    impl WidgetListLinks {
        pub fn builder() -> builder::WidgetListLinks {
            Default::default()
        }
    }
    ///`WidgetListLinksNext`
    #[derive(Clone, Debug, Default)]
    pub struct WidgetListLinksNext {
        pub href: ::std::option::Option<::std::string::String>,
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub extra: crate::lenient::Extra,
    }
    impl WidgetListLinksNext {
        pub fn builder() -> builder::WidgetListLinksNext {
            Default::default()
        }
    }
    ///What an uploaded file is about (only ever sent).
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct WidgetMeta {
        pub kind: Kind,
        pub name: ::std::string::String,
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub note: ::std::option::Option<::std::string::String>,
    }
    impl WidgetMeta {
        pub fn builder() -> builder::WidgetMeta {
            Default::default()
        }
    }
    ///`WidgetType`
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum WidgetType {
        #[serde(rename = "a")]
        A,
        #[serde(rename = "b")]
        B,
        /// A value this version of the SDK does not know (sent by a newer server).
        /// Kept as received; it cannot be sent back (serialising it is an error).
        #[serde(untagged, skip_serializing)]
        Unknown(::std::string::String),
    }
    impl ::std::fmt::Display for WidgetType {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::A => f.write_str("a"),
                Self::B => f.write_str("b"),
                Self::Unknown(ref value) => f.write_str(value),
            }
        }
    }
    impl ::std::str::FromStr for WidgetType {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "a" => Ok(Self::A),
                "b" => Ok(Self::B),
                _ => {
                    Err(
                        format!(
                            "{:?} is not a valid `WidgetType`; expected one of: a, b",
                            value
                        )
                            .into(),
                    )
                }
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for WidgetType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for WidgetType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`WidgetType2`
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    #[serde(transparent)]
    pub struct WidgetType2(pub ::std::string::String);
    impl ::std::ops::Deref for WidgetType2 {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<WidgetType2> for ::std::string::String {
        fn from(value: WidgetType2) -> Self {
            value.0
        }
    }
    impl ::std::convert::From<::std::string::String> for WidgetType2 {
        fn from(value: ::std::string::String) -> Self {
            Self(value)
        }
    }
    impl ::std::fmt::Display for WidgetType2 {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            self.0.fmt(f)
        }
    }
    impl ::std::str::FromStr for WidgetType2 {
        type Err = ::std::convert::Infallible;
        fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
            Ok(Self(value.to_string()))
        }
    }
    ///`WidgetType3`
    #[derive(Clone, Debug, Default)]
    pub struct WidgetType3 {
        pub name: ::std::option::Option<::std::string::String>,
        /// What this value kept besides its typed fields: undeclared fields, values sent in a
        /// shape the type does not take, and which declared fields the server left out
        /// (see [`Extra`](crate::lenient::Extra)).
        pub extra: crate::lenient::Extra,
    }
    impl WidgetType3 {
        pub fn builder() -> builder::WidgetType3 {
            Default::default()
        }
    }
    /// Types for composing complex structures.
    pub mod builder {
        #[derive(Clone, Debug)]
        pub struct Errors {
            errors: ::std::result::Result<
                ::std::vec::Vec<
                    ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                >,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Errors {
            fn default() -> Self {
                Self {
                    errors: Ok(Default::default()),
                }
            }
        }
        impl Errors {
            /// Sets the `errors` field (the spec gives no description).
            pub fn errors<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::vec::Vec<
                        ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                    >,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.errors = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for errors: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Errors> for super::Errors {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Errors,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    errors: value.errors?,
                    extra: ::std::default::Default::default(),
                })
            }
        }
        impl ::std::convert::From<super::Errors> for Errors {
            fn from(value: super::Errors) -> Self {
                Self { errors: Ok(value.errors) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Kind {
            value: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Kind {
            fn default() -> Self {
                Self {
                    value: Ok(Default::default()),
                }
            }
        }
        impl Kind {
            /// the kind
            pub fn value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for value: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Kind> for super::Kind {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Kind,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { value: value.value? })
            }
        }
        impl ::std::convert::From<super::Kind> for Kind {
            fn from(value: super::Kind) -> Self {
                Self { value: Ok(value.value) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Widget {
            created_at: ::std::result::Result<
                ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                ::std::string::String,
            >,
            enabled: ::std::result::Result<
                ::std::option::Option<bool>,
                ::std::string::String,
            >,
            id: ::std::result::Result<::std::string::String, ::std::string::String>,
            kind: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            type_: ::std::result::Result<
                ::std::option::Option<super::WidgetType>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Widget {
            fn default() -> Self {
                Self {
                    created_at: Ok(Default::default()),
                    enabled: Ok(Default::default()),
                    id: Err("no value supplied for id".to_string()),
                    kind: Ok(Default::default()),
                    type_: Ok(Default::default()),
                }
            }
        }
        impl Widget {
            /// Sets the `created_at` field (the spec gives no description).
            pub fn created_at<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.created_at = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for created_at: {e}")
                    });
                self
            }
            /// Sets the `enabled` field (the spec gives no description).
            pub fn enabled<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<bool>>,
                T::Error: ::std::fmt::Display,
            {
                self.enabled = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for enabled: {e}")
                    });
                self
            }
            /// Sets the `id` field (the spec gives no description).
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            /// the kind
            pub fn kind<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.kind = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for kind: {e}")
                    });
                self
            }
            /// Sets the `type_` field (the spec gives no description).
            pub fn type_<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::WidgetType>>,
                T::Error: ::std::fmt::Display,
            {
                self.type_ = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for type_: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Widget> for super::Widget {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Widget,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    created_at: value.created_at?,
                    enabled: value.enabled?,
                    id: value.id?,
                    kind: value.kind?,
                    type_: value.type_?,
                    extra: ::std::default::Default::default(),
                })
            }
        }
        impl ::std::convert::From<super::Widget> for Widget {
            fn from(value: super::Widget) -> Self {
                Self {
                    created_at: Ok(value.created_at),
                    enabled: Ok(value.enabled),
                    id: Ok(value.id),
                    kind: Ok(value.kind),
                    type_: Ok(value.type_),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct WidgetList {
            data: ::std::result::Result<
                ::std::vec::Vec<super::Widget>,
                ::std::string::String,
            >,
            links: ::std::result::Result<
                ::std::option::Option<super::WidgetListLinks>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for WidgetList {
            fn default() -> Self {
                Self {
                    data: Ok(Default::default()),
                    links: Ok(Default::default()),
                }
            }
        }
        impl WidgetList {
            /// Sets the `data` field (the spec gives no description).
            pub fn data<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<super::Widget>>,
                T::Error: ::std::fmt::Display,
            {
                self.data = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for data: {e}")
                    });
                self
            }
            /// Sets the `links` field (the spec gives no description).
            pub fn links<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<super::WidgetListLinks>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.links = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for links: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<WidgetList> for super::WidgetList {
            type Error = super::error::ConversionError;
            fn try_from(
                value: WidgetList,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    data: value.data?,
                    links: value.links?,
                    extra: ::std::default::Default::default(),
                })
            }
        }
        impl ::std::convert::From<super::WidgetList> for WidgetList {
            fn from(value: super::WidgetList) -> Self {
                Self {
                    data: Ok(value.data),
                    links: Ok(value.links),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct WidgetListLinks {
            next: ::std::result::Result<
                ::std::option::Option<super::WidgetListLinksNext>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for WidgetListLinks {
            fn default() -> Self {
                Self {
                    next: Ok(Default::default()),
                }
            }
        }
        impl WidgetListLinks {
            /// Sets the `next` field (the spec gives no description).
            pub fn next<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<super::WidgetListLinksNext>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.next = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for next: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<WidgetListLinks> for super::WidgetListLinks {
            type Error = super::error::ConversionError;
            fn try_from(
                value: WidgetListLinks,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    next: value.next?,
                    extra: ::std::default::Default::default(),
                })
            }
        }
        impl ::std::convert::From<super::WidgetListLinks> for WidgetListLinks {
            fn from(value: super::WidgetListLinks) -> Self {
                Self { next: Ok(value.next) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct WidgetListLinksNext {
            href: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for WidgetListLinksNext {
            fn default() -> Self {
                Self {
                    href: Ok(Default::default()),
                }
            }
        }
        impl WidgetListLinksNext {
            /// Sets the `href` field (the spec gives no description).
            pub fn href<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.href = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for href: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<WidgetListLinksNext>
        for super::WidgetListLinksNext {
            type Error = super::error::ConversionError;
            fn try_from(
                value: WidgetListLinksNext,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    href: value.href?,
                    extra: ::std::default::Default::default(),
                })
            }
        }
        impl ::std::convert::From<super::WidgetListLinksNext> for WidgetListLinksNext {
            fn from(value: super::WidgetListLinksNext) -> Self {
                Self { href: Ok(value.href) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct WidgetMeta {
            kind: ::std::result::Result<super::Kind, ::std::string::String>,
            name: ::std::result::Result<::std::string::String, ::std::string::String>,
            note: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for WidgetMeta {
            fn default() -> Self {
                Self {
                    kind: Err("no value supplied for kind".to_string()),
                    name: Err("no value supplied for name".to_string()),
                    note: Ok(Default::default()),
                }
            }
        }
        impl WidgetMeta {
            /// Sets the `kind` field (the spec gives no description).
            pub fn kind<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::Kind>,
                T::Error: ::std::fmt::Display,
            {
                self.kind = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for kind: {e}")
                    });
                self
            }
            /// Sets the `name` field (the spec gives no description).
            pub fn name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for name: {e}")
                    });
                self
            }
            /// Sets the `note` field (the spec gives no description).
            pub fn note<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.note = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for note: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<WidgetMeta> for super::WidgetMeta {
            type Error = super::error::ConversionError;
            fn try_from(
                value: WidgetMeta,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    kind: value.kind?,
                    name: value.name?,
                    note: value.note?,
                })
            }
        }
        impl ::std::convert::From<super::WidgetMeta> for WidgetMeta {
            fn from(value: super::WidgetMeta) -> Self {
                Self {
                    kind: Ok(value.kind),
                    name: Ok(value.name),
                    note: Ok(value.note),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct WidgetType3 {
            name: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for WidgetType3 {
            fn default() -> Self {
                Self {
                    name: Ok(Default::default()),
                }
            }
        }
        impl WidgetType3 {
            /// Sets the `name` field (the spec gives no description).
            pub fn name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for name: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<WidgetType3> for super::WidgetType3 {
            type Error = super::error::ConversionError;
            fn try_from(
                value: WidgetType3,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    name: value.name?,
                    extra: ::std::default::Default::default(),
                })
            }
        }
        impl ::std::convert::From<super::WidgetType3> for WidgetType3 {
            fn from(value: super::WidgetType3) -> Self {
                Self { name: Ok(value.name) }
            }
        }
    }
    /// Error types.
    pub mod error {
        /// Error from a `TryFrom` or `FromStr` implementation.
        pub struct ConversionError(::std::borrow::Cow<'static, str>);
        impl ::std::error::Error for ConversionError {}
        impl ::std::fmt::Display for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl ::std::fmt::Debug for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl From<&'static str> for ConversionError {
            fn from(value: &'static str) -> Self {
                Self(value.into())
            }
        }
        impl From<String> for ConversionError {
            fn from(value: String) -> Self {
                Self(value.into())
            }
        }
    }
    impl crate::lenient::IsEmpty for ListWidgetsSort {
        fn is_empty_value(&self) -> bool {
            crate::lenient::IsEmpty::is_empty_value(&self.0)
        }
    }
    /// The empty value (what a required field reads as when the server leaves it out).
    impl ::std::default::Default for ListWidgetsSort {
        fn default() -> Self {
            Self(::std::default::Default::default())
        }
    }
    impl crate::lenient::IsEmpty for WidgetType2 {
        fn is_empty_value(&self) -> bool {
            crate::lenient::IsEmpty::is_empty_value(&self.0)
        }
    }
    /// The empty value (what a required field reads as when the server leaves it out).
    impl ::std::default::Default for WidgetType2 {
        fn default() -> Self {
            Self(::std::default::Default::default())
        }
    }
    impl crate::lenient::Object for Errors {
        const NAME: &'static str = "Errors";
        fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
            mut map: A,
            strict: bool,
        ) -> ::std::result::Result<Self, A::Error> {
            const FIELDS: &[&str] = &["errors"];
            let mut st = crate::lenient::ObjectState::new(&FIELDS);
            let mut v0: ::std::option::Option<
                ::std::vec::Vec<
                    ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                >,
            > = ::std::option::Option::None;
            while let ::std::option::Option::Some(k) = map
                .next_key_seed(
                    crate::lenient::KeySeed(|k: &str| match k {
                        "errors" => ::std::option::Option::Some(0usize),
                        _ => ::std::option::Option::None,
                    }),
                )?
            {
                match k {
                    crate::lenient::Key::Known(0usize) => {
                        st.take(&mut map, &mut v0, 0usize)?
                    }
                    crate::lenient::Key::Other(k) => st.other(&mut map, k)?,
                    crate::lenient::Key::Known(_) => {
                        let _: ::serde::de::IgnoredAny = map.next_value()?;
                    }
                }
            }
            let errors = st.defaulted(v0, 0usize, ::std::default::Default::default);
            st.missing::<A::Error>(strict, 0u64)?;
            ::std::result::Result::Ok(Self { errors, extra: st.extra })
        }
    }
    impl crate::lenient::Lenient for Errors {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::decode_object(d)
        }
    }
    impl<'de> ::serde::Deserialize<'de> for Errors {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<Self, D::Error> {
            crate::lenient::deserialize_object(d)
        }
    }
    impl ::serde::Serialize for Errors {
        fn serialize<S: ::serde::Serializer>(
            &self,
            s: S,
        ) -> ::std::result::Result<S::Ok, S::Error> {
            let mut w = crate::lenient::Writer::new(s, &self.extra)?;
            w.field(
                0usize,
                "errors",
                &self.errors,
                crate::lenient::IsEmpty::is_empty_value(&self.errors),
                ::std::vec::Vec::is_empty(&self.errors),
            )?;
            w.end()
        }
    }
    impl crate::lenient::Lenient for Kind {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::via_serde(d)
        }
    }
    impl crate::lenient::Lenient for ListWidgetsSort {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            <::std::string::String as crate::lenient::Lenient>::decode_lenient(d)
                .map(|v| v.map(Self))
        }
    }
    impl crate::lenient::Object for Widget {
        const NAME: &'static str = "Widget";
        fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
            mut map: A,
            strict: bool,
        ) -> ::std::result::Result<Self, A::Error> {
            const FIELDS: &[&str] = &["createdAt", "enabled", "id", "kind", "type"];
            let mut st = crate::lenient::ObjectState::new(&FIELDS);
            let mut v0: ::std::option::Option<
                ::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>,
            > = ::std::option::Option::None;
            let mut v1: ::std::option::Option<::std::option::Option<bool>> = ::std::option::Option::None;
            let mut v2: ::std::option::Option<::std::string::String> = ::std::option::Option::None;
            let mut v3: ::std::option::Option<
                ::std::option::Option<::std::string::String>,
            > = ::std::option::Option::None;
            let mut v4: ::std::option::Option<::std::option::Option<WidgetType>> = ::std::option::Option::None;
            while let ::std::option::Option::Some(k) = map
                .next_key_seed(
                    crate::lenient::KeySeed(|k: &str| match k {
                        "createdAt" => ::std::option::Option::Some(0usize),
                        "enabled" => ::std::option::Option::Some(1usize),
                        "id" => ::std::option::Option::Some(2usize),
                        "kind" => ::std::option::Option::Some(3usize),
                        "type" => ::std::option::Option::Some(4usize),
                        _ => ::std::option::Option::None,
                    }),
                )?
            {
                match k {
                    crate::lenient::Key::Known(0usize) => {
                        st.take(&mut map, &mut v0, 0usize)?
                    }
                    crate::lenient::Key::Known(1usize) => {
                        st.take(&mut map, &mut v1, 1usize)?
                    }
                    crate::lenient::Key::Known(2usize) => {
                        st.take(&mut map, &mut v2, 2usize)?
                    }
                    crate::lenient::Key::Known(3usize) => {
                        st.take(&mut map, &mut v3, 3usize)?
                    }
                    crate::lenient::Key::Known(4usize) => {
                        st.take(&mut map, &mut v4, 4usize)?
                    }
                    crate::lenient::Key::Other(k) => st.other(&mut map, k)?,
                    crate::lenient::Key::Known(_) => {
                        let _: ::serde::de::IgnoredAny = map.next_value()?;
                    }
                }
            }
            let created_at = st.optional(v0);
            let enabled = st.optional(v1);
            let id = st.required(v2, 2usize);
            let kind = st.optional(v3);
            let type_ = st.optional(v4);
            st.missing::<A::Error>(strict, 4u64)?;
            ::std::result::Result::Ok(Self {
                created_at,
                enabled,
                id,
                kind,
                type_,
                extra: st.extra,
            })
        }
    }
    impl crate::lenient::Lenient for Widget {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::decode_object(d)
        }
    }
    impl<'de> ::serde::Deserialize<'de> for Widget {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<Self, D::Error> {
            crate::lenient::deserialize_object(d)
        }
    }
    impl ::serde::Serialize for Widget {
        fn serialize<S: ::serde::Serializer>(
            &self,
            s: S,
        ) -> ::std::result::Result<S::Ok, S::Error> {
            let mut w = crate::lenient::Writer::new(s, &self.extra)?;
            w.optional(0usize, "createdAt", &self.created_at)?;
            w.optional(1usize, "enabled", &self.enabled)?;
            w.field(
                2usize,
                "id",
                &self.id,
                crate::lenient::IsEmpty::is_empty_value(&self.id),
                false,
            )?;
            w.optional(3usize, "kind", &self.kind)?;
            w.optional(4usize, "type", &self.type_)?;
            w.end()
        }
    }
    impl crate::lenient::Object for WidgetList {
        const NAME: &'static str = "WidgetList";
        fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
            mut map: A,
            strict: bool,
        ) -> ::std::result::Result<Self, A::Error> {
            const FIELDS: &[&str] = &["data", "links"];
            let mut st = crate::lenient::ObjectState::new(&FIELDS);
            let mut v0: ::std::option::Option<::std::vec::Vec<Widget>> = ::std::option::Option::None;
            let mut v1: ::std::option::Option<::std::option::Option<WidgetListLinks>> = ::std::option::Option::None;
            while let ::std::option::Option::Some(k) = map
                .next_key_seed(
                    crate::lenient::KeySeed(|k: &str| match k {
                        "data" => ::std::option::Option::Some(0usize),
                        "links" => ::std::option::Option::Some(1usize),
                        _ => ::std::option::Option::None,
                    }),
                )?
            {
                match k {
                    crate::lenient::Key::Known(0usize) => {
                        st.take(&mut map, &mut v0, 0usize)?
                    }
                    crate::lenient::Key::Known(1usize) => {
                        st.take(&mut map, &mut v1, 1usize)?
                    }
                    crate::lenient::Key::Other(k) => st.other(&mut map, k)?,
                    crate::lenient::Key::Known(_) => {
                        let _: ::serde::de::IgnoredAny = map.next_value()?;
                    }
                }
            }
            let data = st.defaulted(v0, 0usize, ::std::default::Default::default);
            let links = st.optional(v1);
            st.missing::<A::Error>(strict, 0u64)?;
            ::std::result::Result::Ok(Self {
                data,
                links,
                extra: st.extra,
            })
        }
    }
    impl crate::lenient::Lenient for WidgetList {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::decode_object(d)
        }
    }
    impl<'de> ::serde::Deserialize<'de> for WidgetList {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<Self, D::Error> {
            crate::lenient::deserialize_object(d)
        }
    }
    impl ::serde::Serialize for WidgetList {
        fn serialize<S: ::serde::Serializer>(
            &self,
            s: S,
        ) -> ::std::result::Result<S::Ok, S::Error> {
            let mut w = crate::lenient::Writer::new(s, &self.extra)?;
            w.field(
                0usize,
                "data",
                &self.data,
                crate::lenient::IsEmpty::is_empty_value(&self.data),
                ::std::vec::Vec::is_empty(&self.data),
            )?;
            w.optional(1usize, "links", &self.links)?;
            w.end()
        }
    }
    impl crate::lenient::Object for WidgetListLinks {
        const NAME: &'static str = "WidgetListLinks";
        fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
            mut map: A,
            strict: bool,
        ) -> ::std::result::Result<Self, A::Error> {
            const FIELDS: &[&str] = &["next"];
            let mut st = crate::lenient::ObjectState::new(&FIELDS);
            let mut v0: ::std::option::Option<
                ::std::option::Option<WidgetListLinksNext>,
            > = ::std::option::Option::None;
            while let ::std::option::Option::Some(k) = map
                .next_key_seed(
                    crate::lenient::KeySeed(|k: &str| match k {
                        "next" => ::std::option::Option::Some(0usize),
                        _ => ::std::option::Option::None,
                    }),
                )?
            {
                match k {
                    crate::lenient::Key::Known(0usize) => {
                        st.take(&mut map, &mut v0, 0usize)?
                    }
                    crate::lenient::Key::Other(k) => st.other(&mut map, k)?,
                    crate::lenient::Key::Known(_) => {
                        let _: ::serde::de::IgnoredAny = map.next_value()?;
                    }
                }
            }
            let next = st.optional(v0);
            st.missing::<A::Error>(strict, 0u64)?;
            ::std::result::Result::Ok(Self { next, extra: st.extra })
        }
    }
    impl crate::lenient::Lenient for WidgetListLinks {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::decode_object(d)
        }
    }
    impl<'de> ::serde::Deserialize<'de> for WidgetListLinks {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<Self, D::Error> {
            crate::lenient::deserialize_object(d)
        }
    }
    impl ::serde::Serialize for WidgetListLinks {
        fn serialize<S: ::serde::Serializer>(
            &self,
            s: S,
        ) -> ::std::result::Result<S::Ok, S::Error> {
            let mut w = crate::lenient::Writer::new(s, &self.extra)?;
            w.optional(0usize, "next", &self.next)?;
            w.end()
        }
    }
    impl crate::lenient::Object for WidgetListLinksNext {
        const NAME: &'static str = "WidgetListLinksNext";
        fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
            mut map: A,
            strict: bool,
        ) -> ::std::result::Result<Self, A::Error> {
            const FIELDS: &[&str] = &["href"];
            let mut st = crate::lenient::ObjectState::new(&FIELDS);
            let mut v0: ::std::option::Option<
                ::std::option::Option<::std::string::String>,
            > = ::std::option::Option::None;
            while let ::std::option::Option::Some(k) = map
                .next_key_seed(
                    crate::lenient::KeySeed(|k: &str| match k {
                        "href" => ::std::option::Option::Some(0usize),
                        _ => ::std::option::Option::None,
                    }),
                )?
            {
                match k {
                    crate::lenient::Key::Known(0usize) => {
                        st.take(&mut map, &mut v0, 0usize)?
                    }
                    crate::lenient::Key::Other(k) => st.other(&mut map, k)?,
                    crate::lenient::Key::Known(_) => {
                        let _: ::serde::de::IgnoredAny = map.next_value()?;
                    }
                }
            }
            let href = st.optional(v0);
            st.missing::<A::Error>(strict, 0u64)?;
            ::std::result::Result::Ok(Self { href, extra: st.extra })
        }
    }
    impl crate::lenient::Lenient for WidgetListLinksNext {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::decode_object(d)
        }
    }
    impl<'de> ::serde::Deserialize<'de> for WidgetListLinksNext {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<Self, D::Error> {
            crate::lenient::deserialize_object(d)
        }
    }
    impl ::serde::Serialize for WidgetListLinksNext {
        fn serialize<S: ::serde::Serializer>(
            &self,
            s: S,
        ) -> ::std::result::Result<S::Ok, S::Error> {
            let mut w = crate::lenient::Writer::new(s, &self.extra)?;
            w.optional(0usize, "href", &self.href)?;
            w.end()
        }
    }
    impl crate::lenient::Lenient for WidgetMeta {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::via_serde(d)
        }
    }
    impl crate::lenient::Lenient for WidgetType {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::string_enum(
                d,
                |s: &str| match s {
                    "a" => ::std::option::Option::Some(Self::A),
                    "b" => ::std::option::Option::Some(Self::B),
                    _ => ::std::option::Option::None,
                },
                Self::Unknown,
            )
        }
    }
    impl crate::lenient::Lenient for WidgetType2 {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            <::std::string::String as crate::lenient::Lenient>::decode_lenient(d)
                .map(|v| v.map(Self))
        }
    }
    impl crate::lenient::Object for WidgetType3 {
        const NAME: &'static str = "WidgetType3";
        fn from_map<'de, A: ::serde::de::MapAccess<'de>>(
            mut map: A,
            strict: bool,
        ) -> ::std::result::Result<Self, A::Error> {
            const FIELDS: &[&str] = &["name"];
            let mut st = crate::lenient::ObjectState::new(&FIELDS);
            let mut v0: ::std::option::Option<
                ::std::option::Option<::std::string::String>,
            > = ::std::option::Option::None;
            while let ::std::option::Option::Some(k) = map
                .next_key_seed(
                    crate::lenient::KeySeed(|k: &str| match k {
                        "name" => ::std::option::Option::Some(0usize),
                        _ => ::std::option::Option::None,
                    }),
                )?
            {
                match k {
                    crate::lenient::Key::Known(0usize) => {
                        st.take(&mut map, &mut v0, 0usize)?
                    }
                    crate::lenient::Key::Other(k) => st.other(&mut map, k)?,
                    crate::lenient::Key::Known(_) => {
                        let _: ::serde::de::IgnoredAny = map.next_value()?;
                    }
                }
            }
            let name = st.optional(v0);
            st.missing::<A::Error>(strict, 0u64)?;
            ::std::result::Result::Ok(Self { name, extra: st.extra })
        }
    }
    impl crate::lenient::Lenient for WidgetType3 {
        fn decode_lenient<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<crate::lenient::Decoded<Self>, D::Error> {
            crate::lenient::decode_object(d)
        }
    }
    impl<'de> ::serde::Deserialize<'de> for WidgetType3 {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<Self, D::Error> {
            crate::lenient::deserialize_object(d)
        }
    }
    impl ::serde::Serialize for WidgetType3 {
        fn serialize<S: ::serde::Serializer>(
            &self,
            s: S,
        ) -> ::std::result::Result<S::Ok, S::Error> {
            let mut w = crate::lenient::Writer::new(s, &self.extra)?;
            w.optional(0usize, "name", &self.name)?;
            w.end()
        }
    }
    impl Widget {
        /// A value with the required fields (`id`); every other field empty and nothing kept in `extra`. Set optional fields with struct update syntax: `Widget { field: Some(..), ..Widget::new(..) }`.
        #[allow(clippy::too_many_arguments, clippy::new_without_default)]
        pub fn new(id: ::std::string::String) -> Self {
            Self {
                created_at: ::std::option::Option::None,
                enabled: ::std::option::Option::None,
                id,
                kind: ::std::option::Option::None,
                type_: ::std::option::Option::None,
                extra: ::std::default::Default::default(),
            }
        }
    }
    impl ::std::fmt::Display for ListWidgetsSort {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            f.write_str(&self.0)
        }
    }
}
#[derive(Clone, Debug)]
/**Client for fixture tenant

Version: 1.0*/
pub struct Client {
    pub(crate) baseurl: String,
    pub(crate) client: reqwest::Client,
    pub(crate) inner: crate::transport::Inner,
}
impl Client {
    /// Create a new client.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new(baseurl: &str, inner: crate::transport::Inner) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = {
            let dur = ::std::time::Duration::from_secs(15u64);
            reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
        };
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::ClientBuilder::new();
        Self::new_with_client(baseurl, client.build().unwrap(), inner)
    }
    /// Construct a new client with an existing `reqwest::Client`,
    /// allowing more control over its configuration.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new_with_client(
        baseurl: &str,
        client: reqwest::Client,
        inner: crate::transport::Inner,
    ) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
            inner,
        }
    }
}
impl ClientInfo<crate::transport::Inner> for Client {
    fn api_version() -> &'static str {
        "1.0"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &crate::transport::Inner {
        &self.inner
    }
}
const _: () = {
    #[allow(dead_code)]
    fn assert_client_hooks()
    where
        Client: ClientHooks<crate::transport::Inner>,
    {}
};
impl Client {
    /**List widgets

Lists widgets, a page at a time:
```text
GET /api/v1/widgets?limit=10
```
The next page:

GET /api/v1/widgets?next=abc

Sends a `GET` request to `/api/v1/widgets`

```ignore
let response = client.list_widgets()
    .filter(filter)
    .limit(limit)
    .sort(sort)
    .send()
    .await;
```*/
    ///
    /// Qlik: rate-limit tier 1 (1000 requests/minute); stability stable; published operationId `getWidgets`.
    #[doc(alias = "getWidgets")]
    pub fn list_widgets(&self) -> builder::ListWidgets {
        builder::ListWidgets::new(self)
    }
    /**Create a widget

Creates a widget. Deprecated: use the widgets v2 API instead.

Sends a `POST` request to `/api/v1/widgets`

```ignore
let response = client.create_widget()
    .body(body)
    .send()
    .await;
```*/
    ///
    /// Response headers: `Location` ([`location()`](responses::CreateWidgetResponse::location)), `Last-Modified` ([`last_modified()`](responses::CreateWidgetResponse::last_modified)), `X-Widget-Count` ([`x_widget_count()`](responses::CreateWidgetResponse::x_widget_count)), typed on [`responses::CreateWidgetResponse`] (`None` when absent).
    ///
    /// Qlik: rate-limit tier 2 (100 requests/minute).
    ///
    /// **Deprecated** by Qlik (API version 2026-05); sunset **2027-01**. Replaced by `qlik.tenant().create_widget_file()`.
    #[deprecated(
        note = "Deprecated: use the widgets v2 API instead; replaced by `qlik.tenant().create_widget_file()`; deprecated since API version 2026-05; sunset 2027-01 (Qlik removes it then)"
    )]
    pub fn create_widget(&self) -> builder::CreateWidget {
        builder::CreateWidget::new(self)
    }
    /**Get my widget

Sends a `GET` request to `/api/v1/widgets/me`

```ignore
let response = client.get_widget_me()
    .send()
    .await;
```*/
    ///
    /// Response headers: `ETag` ([`etag()`](responses::GetWidgetMeResponse::etag)), typed on [`responses::GetWidgetMeResponse`] (`None` when absent).
    ///
    /// Qlik: rate-limit tier 1 (1000 requests/minute). Follows the redirect to `/api/v1/widgets/{widgetId}` and returns that resource.
    pub fn get_widget_me(&self) -> builder::GetWidgetMe {
        builder::GetWidgetMe::new(self)
    }
    /**Sends a `GET` request to `/api/v1/widgets/{widgetId}`

```ignore
let response = client.get_widget()
    .widget_id(widget_id)
    .send()
    .await;
```*/
    ///
    /// Response headers: `ETag` ([`etag()`](responses::GetWidgetResponse::etag)), typed on [`responses::GetWidgetResponse`] (`None` when absent).
    ///
    /// Qlik: rate-limit tier 1 (1000 requests/minute).
    pub fn get_widget(&self) -> builder::GetWidget {
        builder::GetWidget::new(self)
    }
    /**Sends a `DELETE` request to `/api/v1/widgets/{widgetId}`

```ignore
let response = client.delete_widget()
    .widget_id(widget_id)
    .send()
    .await;
```*/
    ///
    /// Response headers: `X-Gone` ([`x_gone()`](responses::DeleteWidgetResponse::x_gone)), typed on [`responses::DeleteWidgetResponse`] (`None` when absent).
    ///
    /// Qlik: rate-limit tier special (20 requests/minute); published operationId `getWidgets`.
    #[doc(alias = "getWidgets")]
    pub fn delete_widget(&self) -> builder::DeleteWidget {
        builder::DeleteWidget::new(self)
    }
    /**Sends a `PUT` request to `/api/v1/widgets/{widgetId}/media`

```ignore
let response = client.update_widget_media()
    .widget_id(widget_id)
    .body(body)
    .send()
    .await;
```*/
    ///
    /// Qlik: published operationId `putWidgetMedia`.
    #[doc(alias = "putWidgetMedia")]
    pub fn update_widget_media(&self) -> builder::UpdateWidgetMedia {
        builder::UpdateWidgetMedia::new(self)
    }
}
/// Types for composing operation parameters.
#[allow(clippy::all)]
pub mod builder {
    use super::types;
    #[allow(unused_imports)]
    use super::{
        encode_path, ByteStream, ClientInfo, ClientHooks, Error, OperationInfo,
        RequestBuilderExt, ResponseValue,
    };
    /**Builder for [`Client::list_widgets`]

[`Client::list_widgets`]: super::Client::list_widgets*/
    #[derive(Debug, Clone)]
    pub struct ListWidgets {
        client: super::Client,
        filter: Result<Option<::std::string::String>, String>,
        limit: Result<Option<u32>, String>,
        sort: Result<Option<types::ListWidgetsSort>, String>,
    }
    impl ListWidgets {
        pub fn new(client: &super::Client) -> Self {
            Self {
                client: client.clone(),
                filter: Ok(None),
                limit: Ok(None),
                sort: Ok(None),
            }
        }
        /// Sets the `filter` parameter (the spec gives no description).
        pub fn filter<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.filter = value
                .try_into()
                .map(Some)
                .map_err(|_| "must be text".to_string());
            self
        }
        /// Sets the `limit` parameter (the spec gives no description).
        pub fn limit<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<u32>,
        {
            self.limit = value
                .try_into()
                .map(Some)
                .map_err(|_| "must be a whole number from 0 to 4294967295".to_string());
            self
        }
        /// Sets the `sort` parameter (the spec gives no description).
        pub fn sort<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::ListWidgetsSort>,
        {
            self.sort = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "must match the pattern `^(?:\\+name|\\-name|createdAt)$` (a `ListWidgetsSort`)"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/api/v1/widgets`
        pub async fn send(
            self,
        ) -> ::std::result::Result<ResponseValue<types::WidgetList>, crate::Error> {
            let Self { client, filter, limit, sort } = self;
            let filter = filter
                .map_err(|e| crate::Error::invalid_request(
                    "tenant",
                    "list_widgets",
                    "filter",
                    e,
                ))?;
            let limit = limit
                .map_err(|e| crate::Error::invalid_request(
                    "tenant",
                    "list_widgets",
                    "limit",
                    e,
                ))?;
            let sort = sort
                .map_err(|e| crate::Error::invalid_request(
                    "tenant",
                    "list_widgets",
                    "sort",
                    e,
                ))?;
            let url = format!("{}/api/v1/widgets", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("filter", &filter))
                .query(&progenitor_client::QueryParam::new("limit", &limit))
                .query(&progenitor_client::QueryParam::new("sort", &sort))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "list_widgets",
            };
            client.inner.pre("tenant", &mut request, &info).await?;
            let result = client
                .inner
                .exec(&client.client, "tenant", request, &info)
                .await;
            let response = result?;
            match response.status().as_u16() {
                200u16 => {
                    crate::lenient::response(response, "tenant", "list_widgets").await
                }
                400u16..=499u16 => Err(crate::Error::from_response(response).await),
                500u16..=599u16 => Err(crate::Error::from_response(response).await),
                _ => Err(crate::Error::unexpected(response)),
            }
        }
    }
    /**Builder for [`Client::create_widget`]

[`Client::create_widget`]: super::Client::create_widget*/
    #[derive(Debug, Clone)]
    pub struct CreateWidget {
        client: super::Client,
        body: ::std::option::Option<Result<types::builder::Widget, String>>,
    }
    impl CreateWidget {
        pub fn new(client: &super::Client) -> Self {
            Self {
                client: client.clone(),
                body: ::std::option::Option::None,
            }
        }
        /// Sets the request body.
        ///
        /// Optional: without it the request is sent with no body (and no `Content-Type`).
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::Widget>,
            <V as std::convert::TryInto<types::Widget>>::Error: std::fmt::Display,
        {
            self.body = ::std::option::Option::Some(
                value
                    .try_into()
                    .map(From::from)
                    .map_err(|s| format!("is not a valid `Widget`: {}", s)),
            );
            self
        }
        /// Changes the request body with `f`, starting from what `body` set (or the body type's default).
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(types::builder::Widget) -> types::builder::Widget,
        {
            self.body = ::std::option::Option::Some(
                self
                    .body
                    .unwrap_or_else(|| Ok(::std::default::Default::default()))
                    .map(f),
            );
            self
        }
        ///Sends a `POST` request to `/api/v1/widgets`
        pub async fn send(
            self,
        ) -> ::std::result::Result<
            super::responses::CreateWidgetResponse,
            crate::Error,
        > {
            let value: ::std::result::Result<
                ResponseValue<types::Widget>,
                crate::Error,
            > = async move {
                let Self { client, body } = self;
                let body = match body {
                    ::std::option::Option::Some(body) => {
                        ::std::option::Option::Some(
                            body
                                .and_then(|v| {
                                    types::Widget::try_from(v).map_err(|e| e.to_string())
                                })
                                .map_err(|e| crate::Error::invalid_request(
                                    "tenant",
                                    "create_widget",
                                    "body",
                                    e,
                                ))?,
                        )
                    }
                    ::std::option::Option::None => ::std::option::Option::None,
                };
                let url = format!("{}/api/v1/widgets", client.baseurl,);
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map
                    .append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(
                            super::Client::api_version(),
                        ),
                    );
                #[allow(unused_mut)]
                let mut request = {
                    let request = client
                        .client
                        .post(url)
                        .header(
                            ::reqwest::header::ACCEPT,
                            ::reqwest::header::HeaderValue::from_static(
                                "application/json",
                            ),
                        );
                    match body {
                        ::std::option::Option::Some(body) => {
                            request.json(&crate::lenient::JsNumbers(&body))
                        }
                        ::std::option::Option::None => request,
                    }
                }
                    .headers(header_map)
                    .build()?;
                let info = OperationInfo {
                    operation_id: "create_widget",
                };
                client.inner.pre("tenant", &mut request, &info).await?;
                let result = client
                    .inner
                    .exec(&client.client, "tenant", request, &info)
                    .await;
                let response = result?;
                match response.status().as_u16() {
                    201u16 => {
                        crate::lenient::response(response, "tenant", "create_widget")
                            .await
                    }
                    400u16..=499u16 => Err(crate::Error::from_response(response).await),
                    500u16..=599u16 => Err(crate::Error::from_response(response).await),
                    _ => Err(crate::Error::unexpected(response)),
                }
            }
                .await;
            value.map(super::responses::CreateWidgetResponse)
        }
    }
    /**Builder for [`Client::get_widget_me`]

[`Client::get_widget_me`]: super::Client::get_widget_me*/
    #[derive(Debug, Clone)]
    pub struct GetWidgetMe {
        client: super::Client,
    }
    impl GetWidgetMe {
        pub fn new(client: &super::Client) -> Self {
            Self { client: client.clone() }
        }
        ///Sends a `GET` request to `/api/v1/widgets/me`
        pub async fn send(
            self,
        ) -> ::std::result::Result<super::responses::GetWidgetMeResponse, crate::Error> {
            let value: ::std::result::Result<
                ResponseValue<types::Widget>,
                crate::Error,
            > = async move {
                let Self { client } = self;
                let url = format!("{}/api/v1/widgets/me", client.baseurl,);
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map
                    .append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(
                            super::Client::api_version(),
                        ),
                    );
                #[allow(unused_mut)]
                let mut request = client
                    .client
                    .get(url)
                    .header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    )
                    .headers(header_map)
                    .build()?;
                let info = OperationInfo {
                    operation_id: "get_widget_me",
                };
                client.inner.pre("tenant", &mut request, &info).await?;
                let result = client
                    .inner
                    .exec(&client.client, "tenant", request, &info)
                    .await;
                let response = result?;
                match response.status().as_u16() {
                    200u16 => {
                        crate::lenient::response(response, "tenant", "get_widget_me")
                            .await
                    }
                    400u16..=499u16 => Err(crate::Error::from_response(response).await),
                    500u16..=599u16 => Err(crate::Error::from_response(response).await),
                    _ => Err(crate::Error::unexpected(response)),
                }
            }
                .await;
            value.map(super::responses::GetWidgetMeResponse)
        }
    }
    /**Builder for [`Client::get_widget`]

[`Client::get_widget`]: super::Client::get_widget*/
    #[derive(Debug, Clone)]
    pub struct GetWidget {
        client: super::Client,
        widget_id: Result<::std::string::String, String>,
    }
    impl GetWidget {
        pub fn new(client: &super::Client) -> Self {
            Self {
                client: client.clone(),
                widget_id: Err(
                    "is required: set it with .widget_id(..) before send()".to_string(),
                ),
            }
        }
        /// Sets the `widget_id` parameter (the spec gives no description).
        pub fn widget_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.widget_id = value.try_into().map_err(|_| "must be text".to_string());
            self
        }
        ///Sends a `GET` request to `/api/v1/widgets/{widgetId}`
        pub async fn send(
            self,
        ) -> ::std::result::Result<super::responses::GetWidgetResponse, crate::Error> {
            let value: ::std::result::Result<
                ResponseValue<types::Widget>,
                crate::Error,
            > = async move {
                let Self { client, widget_id } = self;
                let widget_id = widget_id
                    .map_err(|e| crate::Error::invalid_request(
                        "tenant",
                        "get_widget",
                        "widget_id",
                        e,
                    ))?;
                let url = format!(
                    "{}/api/v1/widgets/{}", client.baseurl, encode_path(& widget_id
                    .to_string()),
                );
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map
                    .append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(
                            super::Client::api_version(),
                        ),
                    );
                #[allow(unused_mut)]
                let mut request = client
                    .client
                    .get(url)
                    .header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    )
                    .headers(header_map)
                    .build()?;
                let info = OperationInfo {
                    operation_id: "get_widget",
                };
                client.inner.pre("tenant", &mut request, &info).await?;
                let result = client
                    .inner
                    .exec(&client.client, "tenant", request, &info)
                    .await;
                let response = result?;
                match response.status().as_u16() {
                    200u16 => {
                        crate::lenient::response(response, "tenant", "get_widget").await
                    }
                    400u16..=499u16 => Err(crate::Error::from_response(response).await),
                    500u16..=599u16 => Err(crate::Error::from_response(response).await),
                    _ => Err(crate::Error::unexpected(response)),
                }
            }
                .await;
            value.map(super::responses::GetWidgetResponse)
        }
    }
    /**Builder for [`Client::delete_widget`]

[`Client::delete_widget`]: super::Client::delete_widget*/
    #[derive(Debug, Clone)]
    pub struct DeleteWidget {
        client: super::Client,
        widget_id: Result<::std::string::String, String>,
    }
    impl DeleteWidget {
        pub fn new(client: &super::Client) -> Self {
            Self {
                client: client.clone(),
                widget_id: Err(
                    "is required: set it with .widget_id(..) before send()".to_string(),
                ),
            }
        }
        /// Sets the `widget_id` parameter (the spec gives no description).
        pub fn widget_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.widget_id = value.try_into().map_err(|_| "must be text".to_string());
            self
        }
        ///Sends a `DELETE` request to `/api/v1/widgets/{widgetId}`
        pub async fn send(
            self,
        ) -> ::std::result::Result<
            super::responses::DeleteWidgetResponse,
            crate::Error,
        > {
            let value: ::std::result::Result<ResponseValue<ByteStream>, crate::Error> = async move {
                let Self { client, widget_id } = self;
                let widget_id = widget_id
                    .map_err(|e| crate::Error::invalid_request(
                        "tenant",
                        "delete_widget",
                        "widget_id",
                        e,
                    ))?;
                let url = format!(
                    "{}/api/v1/widgets/{}", client.baseurl, encode_path(& widget_id
                    .to_string()),
                );
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map
                    .append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(
                            super::Client::api_version(),
                        ),
                    );
                #[allow(unused_mut)]
                let mut request = client.client.delete(url).headers(header_map).build()?;
                let info = OperationInfo {
                    operation_id: "delete_widget",
                };
                client.inner.pre("tenant", &mut request, &info).await?;
                let result = client
                    .inner
                    .exec(&client.client, "tenant", request, &info)
                    .await;
                let response = result?;
                match response.status().as_u16() {
                    200u16 => Ok(ResponseValue::stream(response)),
                    204u16 => Ok(ResponseValue::stream(response)),
                    400u16..=499u16 => Err(crate::Error::from_response(response).await),
                    500u16..=599u16 => Err(crate::Error::from_response(response).await),
                    _ => Err(crate::Error::unexpected(response)),
                }
            }
                .await;
            value.map(super::responses::DeleteWidgetResponse)
        }
    }
    /**Builder for [`Client::update_widget_media`]

[`Client::update_widget_media`]: super::Client::update_widget_media*/
    #[derive(Debug)]
    pub struct UpdateWidgetMedia {
        client: super::Client,
        widget_id: Result<::std::string::String, String>,
        body: Result<crate::transfer::Upload, String>,
    }
    impl UpdateWidgetMedia {
        pub fn new(client: &super::Client) -> Self {
            Self {
                client: client.clone(),
                widget_id: Err(
                    "is required: set it with .widget_id(..) before send()".to_string(),
                ),
                body: Err("is required: set it with .body(..) before send()".to_string()),
            }
        }
        /// Sets the `widget_id` parameter (the spec gives no description).
        pub fn widget_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.widget_id = value.try_into().map_err(|_| "must be text".to_string());
            self
        }
        /// Sets the request body.
        ///
        /// A file path (`Upload::path`, opened by `send()`; an error names a file that cannot be opened), a reader or stream of known length, or bytes (`Vec<u8>`, `Bytes`, `String`, `&'static [u8]`): see [`crate::transfer::Upload`]. Streamed with its `Content-Length`; a streamed body is sent once (not retried).
        pub fn body(mut self, value: impl Into<crate::transfer::Upload>) -> Self {
            self.body = Ok(value.into());
            self
        }
        ///Sends a `PUT` request to `/api/v1/widgets/{widgetId}/media`
        pub async fn send(
            self,
        ) -> ::std::result::Result<ResponseValue<()>, crate::Error> {
            let Self { client, widget_id, body } = self;
            let widget_id = widget_id
                .map_err(|e| crate::Error::invalid_request(
                    "tenant",
                    "update_widget_media",
                    "widget_id",
                    e,
                ))?;
            let body = body
                .map_err(|e| crate::Error::invalid_request(
                    "tenant",
                    "update_widget_media",
                    "body",
                    e,
                ))?;
            let url = format!(
                "{}/api/v1/widgets/{}/media", client.baseurl, encode_path(& widget_id
                .to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = crate::transfer::attach_upload(
                    client
                        .client
                        .put(url)
                        .header(
                            ::reqwest::header::ACCEPT,
                            ::reqwest::header::HeaderValue::from_static(
                                "application/json",
                            ),
                        )
                        .header(
                            ::reqwest::header::CONTENT_TYPE,
                            ::reqwest::header::HeaderValue::from_static(
                                "application/octet-stream",
                            ),
                        ),
                    body,
                )
                .await?
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "update_widget_media",
            };
            client.inner.pre("tenant", &mut request, &info).await?;
            let result = client
                .inner
                .exec(&client.client, "tenant", request, &info)
                .await;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                400u16..=499u16 => Err(crate::Error::from_response(response).await),
                500u16..=599u16 => Err(crate::Error::from_response(response).await),
                _ => Err(crate::Error::unexpected(response)),
            }
        }
    }
    impl ListWidgets {
        fn page_source(&self) -> crate::paginate::Source {
            crate::paginate::Source {
                inner: self.client.inner.clone(),
                http: self.client.client.clone(),
                baseurl: self.client.baseurl.clone(),
                operation: crate::operations::find("tenant", "list_widgets"),
            }
        }
        fn next_link(p: &types::WidgetList) -> Option<String> {
            Some(p)
                .and_then(|v| v.links.as_ref())
                .and_then(|v| v.next.as_ref())
                .and_then(|v| v.href.as_ref())
                .map(|h| h.to_string())
        }
        /// The first page's request: the builder owns its client, so the stream
        /// borrows nothing.
        fn owned_first(
            self,
        ) -> impl std::future::Future<
            Output = crate::error::Result<types::WidgetList>,
        > + Send + 'static {
            async move {
                self.send().await.map(|r| r.into_inner()).map_err(crate::Error::from)
            }
        }
        ///Streams every page of `list_widgets`, following `links.next` on the configured host. The stream owns its client: `qlik.tenant().list_widgets().pages()` needs no named temporary.
        pub fn pages(self) -> crate::paginate::Pages<'static, types::WidgetList> {
            let source = self.page_source();
            crate::paginate::pages(source, self.owned_first(), Self::next_link)
        }
        ///Streams every item of every page of `list_widgets` (one page in memory at a time). The stream owns its client: `qlik.tenant().list_widgets().items()` needs no named temporary.
        pub fn items(self) -> crate::paginate::Items<'static, types::Widget> {
            let source = self.page_source();
            crate::paginate::items(
                source,
                self.owned_first(),
                Self::next_link,
                |p: types::WidgetList| p.data,
            )
        }
    }
}
/// Items consumers will typically use such as the Client.
pub mod prelude {
    pub use self::super::Client;
}
impl Client {
    /**

Sends a `POST` request to `/api/v1/widgets/{widgetId}/files` with a `multipart/form-data` body.*/
    ///
    /// Qlik: rate-limit tier 2 (100 requests/minute); published operationId `uploadWidgetFile`.
    #[doc(alias = "uploadWidgetFile")]
    pub fn create_widget_file(&self) -> builder_extra::CreateWidgetFile {
        builder_extra::CreateWidgetFile::new(self)
    }
}
/// Builders for upload operations (multipart and tus bodies), in progenitor's builder style.
#[allow(clippy::all, unused_mut)]
pub mod builder_extra {
    #[allow(unused_imports)]
    use super::{
        types, encode_path, ByteStream, ClientHooks, ClientInfo, Error, OperationInfo,
        ResponseValue,
    };
    ///Builder for [`Client::create_widget_file`](super::Client::create_widget_file).
    #[derive(Debug)]
    pub struct CreateWidgetFile {
        client: super::Client,
        widget_id: Option<String>,
        form: Option<crate::transfer::PendingForm>,
        invalid: Option<(&'static str, String)>,
    }
    impl CreateWidgetFile {
        /// Starts a request, owning a clone of the client (cheap: the connection pool,
        /// tokens and limiter are shared).
        pub fn new(client: &super::Client) -> Self {
            Self {
                client: client.clone(),
                widget_id: None,
                form: None,
                invalid: None,
            }
        }
        ///Sets `widgetId`.
        pub fn widget_id(mut self, value: impl ToString) -> Self {
            self.widget_id = Some(value.to_string());
            self
        }
        /**Form part `file`.

The file's bytes: a path (`Upload::path`, opened when the request is sent), a reader or stream of known length, or bytes in memory (`Vec<u8>`, `Bytes`, `String`, `&'static [u8]`); see [`crate::transfer::Upload`]. Streamed with its length, never read whole into memory; a file that cannot be opened is the error of `send()`, naming it.*/
        pub fn file(
            mut self,
            file_name: impl Into<String>,
            upload: impl Into<crate::transfer::Upload>,
        ) -> Self {
            self.form = Some(
                self
                    .form
                    .take()
                    .unwrap_or_default()
                    .file("file", file_name.into(), upload.into()),
            );
            self
        }
        ///Form part `name`. Required.
        pub fn name(mut self, value: impl ToString) -> Self {
            self.form = Some(
                self.form.take().unwrap_or_default().text("name", value.to_string()),
            );
            self
        }
        /**Form part `meta`.

Sent as a JSON part. To send a value that is not a [`types::WidgetMeta`], use [`Self::meta_value`].*/
        pub fn meta(mut self, value: types::WidgetMeta) -> Self {
            let part = serde_json::to_string(&value)
                .map_err(|e| format!("cannot be encoded as JSON: {}", e))
                .and_then(|text| {
                    reqwest::multipart::Part::text(text)
                        .mime_str("application/json")
                        .map_err(|e| e.to_string())
                });
            match part {
                Ok(part) => {
                    self.form = Some(
                        self.form.take().unwrap_or_default().part("meta", part),
                    );
                }
                Err(e) => {
                    self.invalid.get_or_insert(("meta", e));
                }
            }
            self
        }
        ///Form part `meta` from any serialisable value (the untyped form of [`Self::meta`]); fails if it cannot be encoded as JSON.
        pub fn meta_value<T: serde::Serialize>(
            mut self,
            value: &T,
        ) -> Result<Self, Error> {
            let text = serde_json::to_string(value)
                .map_err(|e| Error::InvalidRequest(
                    format!(
                        "form part `meta` of create_widget_file cannot be encoded as JSON: {}",
                        e
                    ),
                ))?;
            let part = reqwest::multipart::Part::text(text)
                .mime_str("application/json")
                .map_err(|e| Error::InvalidRequest(e.to_string()))?;
            self.form = Some(self.form.take().unwrap_or_default().part("meta", part));
            Ok(self)
        }
        /// Sends the request.
        pub async fn send(
            self,
        ) -> ::std::result::Result<ResponseValue<types::Widget>, crate::Error> {
            let Self { client, widget_id, form, invalid } = self;
            if let Some((part, reason)) = invalid {
                return Err(
                    crate::Error::invalid_request(
                        "tenant",
                        "create_widget_file",
                        part,
                        reason,
                    ),
                );
            }
            let widget_id = widget_id
                .ok_or_else(|| crate::Error::invalid_request(
                    "tenant",
                    "create_widget_file",
                    "widgetId",
                    "is required",
                ))?;
            let url = format!(
                "{}/api/v1/widgets/{}/files", client.baseurl, encode_path(& widget_id)
            );
            let mut request = client.client.request(reqwest::Method::POST, url);
            request = request.header(reqwest::header::ACCEPT, "application/json");
            if let Some(form) = form {
                request = request.multipart(form.into_form().await?);
            }
            let mut request = request.build().map_err(crate::Error::from)?;
            let info = OperationInfo {
                operation_id: "create_widget_file",
            };
            client.inner.pre("tenant", &mut request, &info).await?;
            let result = client
                .inner
                .exec(&client.client, "tenant", request, &info)
                .await;
            let response = result?;
            match response.status().as_u16() {
                200..=299 => {
                    crate::lenient::response(response, "tenant", "create_widget_file")
                        .await
                }
                400..=599 => Err(crate::Error::from_response(response).await),
                _ => Err(crate::Error::unexpected(response)),
            }
        }
    }
}
/// The responses of the operations whose spec declares success headers: each wraps the
/// `ResponseValue` (`Deref`) and reads the declared headers, typed and leniently.
pub mod responses {
    #[allow(unused_imports)]
    use super::{types, ByteStream, ResponseValue};
    /// The response of [`Client::create_widget`](super::Client::create_widget): the body ([`Self::into_inner`], or through `Deref` the `ResponseValue`'s status and headers) and the headers its spec declares, typed.
    pub struct CreateWidgetResponse(pub(crate) ResponseValue<types::Widget>);
    impl CreateWidgetResponse {
        /// The body, decoded.
        pub fn into_inner(self) -> types::Widget {
            self.0.into_inner()
        }
        /// The `ResponseValue` this wraps (body, status and every header).
        pub fn into_response_value(self) -> ResponseValue<types::Widget> {
            self.0
        }
        /// `Location` (declared on status 201): its URL, with the resource it names when that is a known operation's path; `None` when the response does not carry it or it does not parse.
        ///
        /// Where the new widget is.
        pub fn location(
            &self,
        ) -> ::std::option::Option<crate::response_headers::Location> {
            crate::response_headers::location(self.0.headers(), "Location")
        }
        /// The id of the resource the `Location` header names (see [`Self::location`]): the last path parameter of the operation whose path it matches, or the segment after `/api/v1/<api>/`.
        pub fn location_id(&self) -> ::std::option::Option<::std::string::String> {
            self.location().and_then(crate::response_headers::Location::into_id)
        }
        /// `Last-Modified` (declared on status 201): a date-time (RFC 3339, or an HTTP date); `None` when the response does not carry it or it does not parse.
        ///
        /// When the widget last changed.
        pub fn last_modified(
            &self,
        ) -> ::std::option::Option<::chrono::DateTime<::chrono::Utc>> {
            crate::response_headers::date_time(self.0.headers(), "Last-Modified")
        }
        /// `X-Widget-Count` (declared on status 201): an integer; `None` when the response does not carry it or it does not parse.
        ///
        /// The `X-Widget-Count` header.
        pub fn x_widget_count(&self) -> ::std::option::Option<i64> {
            crate::response_headers::integer(self.0.headers(), "X-Widget-Count")
        }
    }
    impl ::std::ops::Deref for CreateWidgetResponse {
        type Target = ResponseValue<types::Widget>;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }
    impl ::std::convert::From<CreateWidgetResponse> for ResponseValue<types::Widget> {
        fn from(r: CreateWidgetResponse) -> Self {
            r.0
        }
    }
    impl ::std::fmt::Debug for CreateWidgetResponse {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            f.debug_struct(stringify!(CreateWidgetResponse))
                .field("status", &self.0.status())
                .finish_non_exhaustive()
        }
    }
    /// The response of [`Client::get_widget_me`](super::Client::get_widget_me): the body ([`Self::into_inner`], or through `Deref` the `ResponseValue`'s status and headers) and the headers its spec declares, typed.
    pub struct GetWidgetMeResponse(pub(crate) ResponseValue<types::Widget>);
    impl GetWidgetMeResponse {
        /// The body, decoded.
        pub fn into_inner(self) -> types::Widget {
            self.0.into_inner()
        }
        /// The `ResponseValue` this wraps (body, status and every header).
        pub fn into_response_value(self) -> ResponseValue<types::Widget> {
            self.0
        }
        /// `ETag` (declared on status 200): its text; `None` when the response does not carry it or it does not parse.
        ///
        /// Version of the widget, for conditional requests.
        pub fn etag(&self) -> ::std::option::Option<::std::string::String> {
            crate::response_headers::text(self.0.headers(), "ETag")
        }
    }
    impl ::std::ops::Deref for GetWidgetMeResponse {
        type Target = ResponseValue<types::Widget>;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }
    impl ::std::convert::From<GetWidgetMeResponse> for ResponseValue<types::Widget> {
        fn from(r: GetWidgetMeResponse) -> Self {
            r.0
        }
    }
    impl ::std::fmt::Debug for GetWidgetMeResponse {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            f.debug_struct(stringify!(GetWidgetMeResponse))
                .field("status", &self.0.status())
                .finish_non_exhaustive()
        }
    }
    /// The response of [`Client::get_widget`](super::Client::get_widget): the body ([`Self::into_inner`], or through `Deref` the `ResponseValue`'s status and headers) and the headers its spec declares, typed.
    pub struct GetWidgetResponse(pub(crate) ResponseValue<types::Widget>);
    impl GetWidgetResponse {
        /// The body, decoded.
        pub fn into_inner(self) -> types::Widget {
            self.0.into_inner()
        }
        /// The `ResponseValue` this wraps (body, status and every header).
        pub fn into_response_value(self) -> ResponseValue<types::Widget> {
            self.0
        }
        /// `ETag` (declared on status 200): its text; `None` when the response does not carry it or it does not parse.
        ///
        /// Version of the widget, for conditional requests.
        pub fn etag(&self) -> ::std::option::Option<::std::string::String> {
            crate::response_headers::text(self.0.headers(), "ETag")
        }
    }
    impl ::std::ops::Deref for GetWidgetResponse {
        type Target = ResponseValue<types::Widget>;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }
    impl ::std::convert::From<GetWidgetResponse> for ResponseValue<types::Widget> {
        fn from(r: GetWidgetResponse) -> Self {
            r.0
        }
    }
    impl ::std::fmt::Debug for GetWidgetResponse {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            f.debug_struct(stringify!(GetWidgetResponse))
                .field("status", &self.0.status())
                .finish_non_exhaustive()
        }
    }
    /// The response of [`Client::delete_widget`](super::Client::delete_widget): the body ([`Self::into_inner`], or through `Deref` the `ResponseValue`'s status and headers) and the headers its spec declares, typed.
    pub struct DeleteWidgetResponse(pub(crate) ResponseValue<ByteStream>);
    impl DeleteWidgetResponse {
        /// The body, decoded.
        pub fn into_inner(self) -> ByteStream {
            self.0.into_inner()
        }
        /// The `ResponseValue` this wraps (body, status and every header).
        pub fn into_response_value(self) -> ResponseValue<ByteStream> {
            self.0
        }
        /// The body as a stream of bytes (as `ResponseValue::into_inner_stream`).
        pub fn into_inner_stream(
            self,
        ) -> ::std::pin::Pin<
            ::std::boxed::Box<
                dyn ::futures::Stream<
                    Item = ::reqwest::Result<::bytes::Bytes>,
                > + Send + Sync,
            >,
        > {
            self.0.into_inner_stream()
        }
        /// `X-Gone` (declared on status 204): `true` or `false`; `None` when the response does not carry it or it does not parse.
        ///
        /// The `X-Gone` header.
        pub fn x_gone(&self) -> ::std::option::Option<bool> {
            crate::response_headers::boolean(self.0.headers(), "X-Gone")
        }
    }
    impl ::std::ops::Deref for DeleteWidgetResponse {
        type Target = ResponseValue<ByteStream>;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }
    impl ::std::convert::From<DeleteWidgetResponse> for ResponseValue<ByteStream> {
        fn from(r: DeleteWidgetResponse) -> Self {
            r.0
        }
    }
    impl ::std::fmt::Debug for DeleteWidgetResponse {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            f.debug_struct(stringify!(DeleteWidgetResponse))
                .field("status", &self.0.status())
                .finish_non_exhaustive()
        }
    }
}
