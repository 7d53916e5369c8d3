//! The service error: what went wrong, in terms the adapters turn into a
//! Chinese page or a JSON error with the right status.

use dangjian_domain::FieldError;
use dangjian_store::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input rejected; each error names its field. Nothing was written.
    #[error("输入有误")]
    Invalid(Vec<FieldError>),
    /// Not allowed for this role or outside the user's organization scope.
    #[error("{0}")]
    Forbidden(String),
    #[error("未找到")]
    NotFound,
    /// A unique, foreign-key or check constraint refused the write: someone
    /// else created or changed the same thing meanwhile (two writers past
    /// the same pre-check). Nothing was written; the Chinese message says
    /// what collided and to refresh. Answered 409.
    #[error("{0}")]
    Conflict(String),
    /// Not logged in, or the session or token is no longer valid.
    #[error("请先登录")]
    Unauthenticated,
    #[error(transparent)]
    Db(DbError),
}

impl ServiceError {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ServiceError::Forbidden(message.into())
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Invalid(vec![e])
    }
}

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => ServiceError::NotFound,
            DbError::Conflict(c) => {
                tracing::info!(
                    kind = c.kind.code(),
                    table = %c.table,
                    constraint = %c.constraint,
                    "write refused by a constraint"
                );
                ServiceError::Conflict(c.message)
            }
            other @ DbError::Other(_) => ServiceError::Db(other),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Collects field errors while parsing a form, so that all of them are
/// reported at once.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn finish(self) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(self.0))
        }
    }
}
