//! One string mapping per status enum. A status (组织状态, 事项状态, 记录状态…)
//! is an enum everywhere in Rust and in the templates; its stable code is
//! what the database stores and the API sends, and its label is what the
//! pages show. The store decodes a column with `store::codes::decode`, so a
//! string status never travels past the store.

/// An enum with a stored code and a Chinese label.
pub trait Coded: Copy + Eq + Sized + 'static {
    /// Every value, in display order.
    const VALUES: &'static [Self];
    /// The stable code the database and the API use (`in_progress`).
    fn code(self) -> &'static str;
    /// The Chinese label the pages show (`办理中`).
    fn label(self) -> &'static str;
    /// The value of a stored code.
    fn from_code(code: &str) -> Option<Self> {
        Self::VALUES.iter().copied().find(|v| v.code() == code)
    }
}

/// Implements [`Coded`] for an enum with inherent `ALL`, `code` and `label`.
#[macro_export]
macro_rules! coded {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::code::Coded for $t {
            const VALUES: &'static [Self] = &<$t>::ALL;
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
            fn label(self) -> &'static str {
                <$t>::label(self)
            }
        }
    )+};
}

coded!(
    crate::org::OrgKind,
    crate::org::Sector,
    crate::work::WorkState,
);

#[cfg(test)]
mod tests {
    use super::Coded;
    use crate::org::OrgKind;
    use crate::work::WorkState;

    /// Codes are distinct and round-trip, for every coded enum.
    fn round_trips<E: Coded + std::fmt::Debug>() {
        let mut seen = std::collections::HashSet::new();
        for v in E::VALUES {
            assert!(seen.insert(v.code()), "duplicate code {}", v.code());
            assert_eq!(E::from_code(v.code()), Some(*v));
            assert!(!v.label().is_empty());
        }
        assert_eq!(E::from_code("no-such-code"), None);
    }

    #[test]
    fn every_coded_enum_round_trips() {
        round_trips::<OrgKind>();
        round_trips::<crate::org::Sector>();
        round_trips::<WorkState>();
    }
}
