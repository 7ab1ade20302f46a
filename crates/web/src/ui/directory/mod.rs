//! The administrator's pages of the directory: partners, users and tokens, regions and approvers,
//! program settings, and the price list import (under `/admin/`).

mod partners;
mod prices;
mod regions;
mod settings;
mod users;

use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::error::UiError;
use axum::http::StatusCode;
use domain::access::can_administer;
use serde::Deserialize;

pub fn routes() -> Pages {
    Pages::default()
        .merge(partners::routes())
        .merge(users::routes())
        .merge(regions::routes())
        .merge(settings::routes())
        .merge(prices::routes())
}

fn admin_only(viewer: &Viewer) -> Result<(), UiError> {
    if can_administer(&viewer.actor()) {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Only administrators manage the program.",
        ))
    }
}

/// What an administrator's action left to say on the next page.
#[derive(Default, Deserialize)]
struct Notice {
    done: Option<String>,
}
