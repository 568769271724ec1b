//! The people directory staff pick from (assignee, caller): names and roles only, paged and
//! searchable, active accounts only; and the names a page shows, by id (`id` repeated), active or
//! not, so history keeps naming people who left.

use crate::{Reply, json, query_pairs, require, store_error};
use helpdesk_aws::Directory;
use helpdesk_core::api::{Paged, PeopleQuery, PersonSummary};
use helpdesk_core::permissions::{Action, Resource, allows};
use helpdesk_core::{Actor, ApiError, ErrorCode};
use lambda_http::Request;
use lambda_http::http::StatusCode;

pub async fn people<D: Directory>(directory: &D, actor: &Actor, req: &Request) -> Reply {
    require(allows(actor, Action::ViewDirectory, Resource::None), "see the directory")?;
    let pairs = query_pairs(req);
    let query = PeopleQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    if query.include_inactive {
        return Err(ApiError::new(ErrorCode::InvalidQuery, "query parameter 'all': the directory lists active people only"));
    }
    if !query.ids.is_empty() {
        let mut found = directory.people_by_id(&query.ids).await.map_err(store_error)?;
        found.sort_by_key(|u| query.ids.iter().position(|id| *id == u.id));
        return json(StatusCode::OK, &Paged { items: found.iter().map(PersonSummary::from).collect(), next_cursor: None });
    }
    let page = directory.list_people(&query).await.map_err(store_error)?;
    json(StatusCode::OK, &Paged { items: page.items.iter().map(PersonSummary::from).collect(), next_cursor: page.next_cursor })
}
