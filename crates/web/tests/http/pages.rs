//! Page behaviour: login, lockout, CSRF, validation, escaping, audit.
