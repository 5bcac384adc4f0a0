//! The tenant roles and the permission matrix (documented in ARCHITECTURE.md).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    User,
    Readonly,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::User, Role::Readonly];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::User => "user",
            Role::Readonly => "readonly",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// May change anything at all (a `readonly` user never may).
    pub fn can_write(self) -> bool {
        self != Role::Readonly
    }

    /// May change the tenant, manage its users and read its audit log.
    pub fn can_administer(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// May create, change or delete a user holding (or being given) `target`: owners
    /// manage everyone, admins everyone but owners.
    pub fn can_manage(self, target: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => target != Role::Owner,
            Role::User | Role::Readonly => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix() {
        use Role::*;
        assert!(
            Role::ALL
                .iter()
                .all(|r| Role::parse(r.as_str()) == Some(*r))
        );
        assert!(!Readonly.can_write() && User.can_write());
        assert!(Owner.can_administer() && Admin.can_administer() && !User.can_administer());
        assert!(Owner.can_manage(Owner) && !Admin.can_manage(Owner) && Admin.can_manage(Admin));
        assert!(!User.can_manage(Readonly) && !Readonly.can_manage(Readonly));
    }
}
