//! Authentication and authorisation: argon2id passwords, JWT access tokens, rotating
//! refresh tokens, the roles and what each may do, and the extractor that turns a
//! bearer token into a checked [`Caller`].

mod caller;
mod operator;
pub mod passwords;
mod roles;
pub mod tokens;

pub use caller::Caller;
pub use operator::Operator;
pub use roles::Role;
