//! Search for the team and for reporters: the query read by `domain::search`, the results
//! found by `store::search` in the scope the policy gives (`domain::policy::search_scope`).

use super::{Result, ServiceError};
use crate::domain::policy::SearchScope;
use crate::domain::search;
use crate::store::search::{self as store_search, Results};
use crate::store::Store;

/// Results per page.
pub const SEARCH_PAGE: i64 = 50;

/// Page `page` (from 1) of what `input` finds in `scope`. A query that cannot be searched
/// (empty, too long, too many words) is refused with the reason, on the field `q`.
pub async fn search(store: &Store, scope: SearchScope, input: &str, page: i64) -> Result<Results> {
    let query = search::parse(input).map_err(|e| ServiceError::Invalid {
        field: "q",
        message: e.message(),
    })?;
    let offset = (page.max(1) - 1).saturating_mul(SEARCH_PAGE);
    Ok(store_search::search(store, &query, scope, offset, SEARCH_PAGE).await?)
}
