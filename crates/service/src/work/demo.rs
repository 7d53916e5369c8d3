//! Demo data for work items.
