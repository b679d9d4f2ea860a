//! The first check of a staff use case: whether the staff member's role may do this at all
//! (`domain::access`, defence in depth behind the web extractors). The unit's reach and the
//! lifecycles decide the rest, in the use case.

use super::auth::Staff;
use super::{ServiceError, ServiceResult};
use crate::domain::access::Permission;

impl Staff {
    /// `Forbidden` unless this staff member's role may do this.
    pub fn require(&self, what: Permission) -> ServiceResult<()> {
        if self.may(what) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}
