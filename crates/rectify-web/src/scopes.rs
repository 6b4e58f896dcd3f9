//! What a signed-in user sees outside the ledger: the complaints assigned to their subtree and
//! the register entries of their own counties, unless their role sees all. The dashboard counts
//! by the same rules as the complaint and register pages list by.

use crate::auth::Session;
use rectify_core::org::Role;
use rectify_store::complaints::ComplaintFilter;

/// The complaints the user sees: those assigned to their subtree, or all.
pub(crate) fn complaint_filter(session: &Session) -> ComplaintFilter {
    ComplaintFilter {
        units: (!session.viewer.sees_everything()).then(|| session.viewer.units.clone()),
        ..ComplaintFilter::default()
    }
}

/// Whether the user sees every register entry, not only their own counties'.
pub(crate) fn sees_all_registers(session: &Session) -> bool {
    session.viewer.sees_everything()
        || session
            .user
            .roles
            .iter()
            .any(|r| matches!(r, Role::Leader | Role::Supervisor | Role::Acceptance))
}

/// The org units whose register entries the user sees; `None`: all.
pub(crate) fn register_units(session: &Session) -> Option<Vec<i64>> {
    (!sees_all_registers(session)).then(|| session.viewer.units.clone())
}
