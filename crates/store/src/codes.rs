//! The one place where a stored code becomes a status enum (see
//! `dangjian_domain::code`). A code the enum does not know is a corrupt row,
//! reported as a decode error naming the column, never a panic.

use crate::{DbError, DbResult};
use dangjian_domain::Coded;

/// Decodes the stored code of `column`.
pub fn decode<E: Coded>(column: &'static str, raw: &str) -> DbResult<E> {
    E::from_code(raw).ok_or_else(|| {
        DbError::Other(sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: format!("unknown code {raw:?}").into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::decode;
    use dangjian_domain::work::WorkState;

    #[test]
    fn decodes_known_codes_and_names_the_column_of_unknown_ones() {
        assert_eq!(
            decode::<WorkState>("state", "submitted").unwrap(),
            WorkState::Submitted
        );
        let e = decode::<WorkState>("state", "lost")
            .unwrap_err()
            .to_string();
        assert!(e.contains("state") && e.contains("lost"), "{e}");
    }
}
