//! Pure domain types of dangjian: parsed values (ID-card numbers, names,
//! paths), roles and their permissions, the audit hash chain and the demo
//! county generator. Nothing here touches a database, a clock or the network:
//! callers pass `today` and the data in, and get plain values back.

pub mod audit;
pub mod code;
pub mod demo;
pub mod error;
pub mod ids;
pub mod member;
pub mod obligations;
pub mod org;
pub mod policy;
pub mod rectify;
pub mod role;
pub mod sheet;
pub mod warnings;
pub mod work;

pub use code::Coded;
pub use error::FieldError;
