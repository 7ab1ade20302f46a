//! Master data and people: partners, end customers, the price list, regions, users, settings.

use crate::AppState;
use crate::credentials;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Auth, Id, JsonBody, PageParams, Params};
use crate::idempotency::{self, IdempotencyKey};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use domain::Actor;
use domain::access::input::{UserInput, UserUpdateInput, parse_user, parse_user_update};
use domain::directory::customers::{CustomerInput, parse_customer};
use domain::directory::input::{PartnerInput, RegionInput, parse_partner, parse_region};
use domain::directory::products::{ProductInput, parse_product};
use domain::settings::ProgramSettings;
use serde::Serialize;
use store::{CustomerRecord, Page, Partner, Product, Region, User};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_partner, list_partners))
        .routes(routes!(get_partner))
        .routes(routes!(create_customer, list_customers))
        .routes(routes!(create_product, list_products))
        .routes(routes!(create_region, list_regions))
        .routes(routes!(assign_region_manager))
        .routes(routes!(create_user, list_users))
        .routes(routes!(update_user))
        .routes(routes!(deactivate_user))
        .routes(routes!(activate_user))
        .routes(routes!(get_settings, put_settings))
}

/// Runs a creating POST under its idempotency key, answering 201 with the created record.
async fn create<T, F, Fut>(
    state: &AppState,
    actor: &Actor,
    key: IdempotencyKey,
    route: &str,
    body: &[u8],
    make: F,
) -> ApiResult<Response>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    idempotency::once(state, actor, key, route, body, StatusCode::CREATED, || async {
        let created = make().await?;
        Ok((StatusCode::CREATED, serde_json::to_value(&created).unwrap_or_default()))
    })
    .await
}

/// Add a partner (administrators).
#[utoipa::path(post, path = "/partners", tag = "partners", request_body = PartnerInput, params(IdempotencyKey),
    responses((status = 201, body = Partner), (status = 422, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn create_partner(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<PartnerInput>,
) -> ApiResult<Response> {
    create(&state, &actor, key, "POST /partners", &body.bytes, || async {
        let partner = parse_partner(&body.value)?;
        Ok(state
            .store
            .create_partner(Some(&actor), partner, state.clock.now())
            .await?)
    })
    .await
}

/// Partners; a partner's users see their own only.
#[utoipa::path(get, path = "/partners", tag = "partners", params(PageParams), responses((status = 200, body = Page<Partner>)), security(("bearer" = [])))]
async fn list_partners(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Page<Partner>>> {
    Ok(Json(state.store.list_partners(&actor, params.page()?).await?))
}

#[utoipa::path(get, path = "/partners/{id}", tag = "partners", params(("id" = i64, Path)),
    responses((status = 200, body = Partner), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn get_partner(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Partner>> {
    Ok(Json(state.store.get_partner(&actor, id).await?))
}

/// Add an end customer (administrators, channel managers). Partners name customers when registering.
#[utoipa::path(post, path = "/customers", tag = "customers", request_body = CustomerInput, params(IdempotencyKey),
    responses((status = 201, body = CustomerRecord), (status = 422, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn create_customer(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<CustomerInput>,
) -> ApiResult<Response> {
    create(&state, &actor, key, "POST /customers", &body.bytes, || async {
        let mut errors = domain::FieldErrors::default();
        let customer = parse_customer(&body.value, "", &mut errors);
        let customer = errors
            .into_result(customer)?
            .ok_or_else(|| ApiError::invalid(domain::FieldErrors::single("body", "incomplete customer")))?;
        Ok(state
            .store
            .create_customer(Some(&actor), customer, state.clock.now())
            .await?)
    })
    .await
}

/// End customers; partners see those they registered.
#[utoipa::path(get, path = "/customers", tag = "customers", params(PageParams), responses((status = 200, body = Page<CustomerRecord>)), security(("bearer" = [])))]
async fn list_customers(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Page<CustomerRecord>>> {
    Ok(Json(state.store.list_customers(&actor, params.page()?).await?))
}

/// Add a product to the price list (administrators).
#[utoipa::path(post, path = "/products", tag = "products", request_body = ProductInput, params(IdempotencyKey),
    responses((status = 201, body = Product), (status = 422, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn create_product(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<ProductInput>,
) -> ApiResult<Response> {
    create(&state, &actor, key, "POST /products", &body.bytes, || async {
        let product = parse_product(&body.value)?;
        Ok(state
            .store
            .create_product(Some(&actor), product, state.clock.now())
            .await?)
    })
    .await
}

/// The price list, with the prices in force today and the next version scheduled.
#[utoipa::path(get, path = "/products", tag = "products", params(PageParams), responses((status = 200, body = Page<Product>)), security(("bearer" = [])))]
async fn list_products(
    State(state): State<AppState>,
    Auth(_actor): Auth,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Page<Product>>> {
    Ok(Json(
        state.store.list_products(state.clock.now(), params.page()?).await?,
    ))
}

/// Add a region with its regional manager (administrators).
#[utoipa::path(post, path = "/regions", tag = "regions", request_body = RegionInput, params(IdempotencyKey),
    responses((status = 201, body = Region), (status = 422, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn create_region(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<RegionInput>,
) -> ApiResult<Response> {
    create(&state, &actor, key, "POST /regions", &body.bytes, || async {
        let (name, manager) = parse_region(&body.value)?;
        Ok(state
            .store
            .create_region(Some(&actor), &name, manager, state.clock.now())
            .await?)
    })
    .await
}

#[utoipa::path(get, path = "/regions", tag = "regions", responses((status = 200, body = Vec<Region>)), security(("bearer" = [])))]
async fn list_regions(State(state): State<AppState>, Auth(_actor): Auth) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(state.store.list_regions().await?))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
struct RegionManagerInput {
    /// A channel manager (or administrator) who decides this region's registrations from now on.
    manager_user_id: i64,
}

/// Make another channel manager the approver of a region's new registrations (administrators).
#[utoipa::path(post, path = "/regions/{id}/manager", tag = "regions", params(("id" = i64, Path)), request_body = RegionManagerInput,
    responses((status = 200, body = Region), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn assign_region_manager(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<RegionManagerInput>,
) -> ApiResult<Json<Region>> {
    let manager = body.value.manager_user_id;
    Ok(Json(
        state
            .store
            .assign_region_manager(Some(&actor), id, manager, state.clock.now())
            .await?,
    ))
}

/// Add a user (administrators). The password, if given, is stored as an argon2 hash.
#[utoipa::path(post, path = "/users", tag = "users", request_body = UserInput, params(IdempotencyKey),
    responses((status = 201, body = User), (status = 422, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
async fn create_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    key: IdempotencyKey,
    body: JsonBody<UserInput>,
) -> ApiResult<Response> {
    create(&state, &actor, key, "POST /users", &body.bytes, || async {
        if !domain::access::can_administer(&actor) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only administrators may create users",
            ));
        }
        let user = parse_user(&body.value)?;
        let record = credentials::user_record(user)
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e))?;
        Ok(state.store.create_user(Some(&actor), record, state.clock.now()).await?)
    })
    .await
}

/// Users (administrators).
#[utoipa::path(get, path = "/users", tag = "users", params(PageParams), responses((status = 200, body = Page<User>), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn list_users(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Page<User>>> {
    Ok(Json(state.store.list_users(&actor, params.page()?).await?))
}

/// Change a user's e-mail address, name, role or partner (administrators); absent fields stay as
/// they are. A staff role leaves the partner behind; a new address ends open password reset links.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserUpdateInput,
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
async fn update_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    body: JsonBody<UserUpdateInput>,
) -> ApiResult<Json<User>> {
    let update = parse_user_update(&body.value)?;
    Ok(Json(
        state.store.update_user(&actor, id, update, state.clock.now()).await?,
    ))
}

/// Deactivate a user (administrators): their tokens stop working at once; nothing is deleted.
#[utoipa::path(post, path = "/users/{id}/deactivate", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn deactivate_user(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<User>> {
    Ok(Json(
        state
            .store
            .set_user_active(Some(&actor), id, false, state.clock.now())
            .await?,
    ))
}

/// Reactivate a user (administrators).
#[utoipa::path(post, path = "/users/{id}/activate", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
async fn activate_user(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<User>> {
    Ok(Json(
        state
            .store
            .set_user_active(Some(&actor), id, true, state.clock.now())
            .await?,
    ))
}

/// Program settings: validity, reminders, fallback approver, time zone, currency.
#[utoipa::path(get, path = "/settings", tag = "settings", responses((status = 200, body = ProgramSettings)), security(("bearer" = [])))]
async fn get_settings(State(state): State<AppState>, Auth(_actor): Auth) -> ApiResult<Json<ProgramSettings>> {
    Ok(Json(state.store.settings().await?))
}

/// Replace the program settings (administrators).
#[utoipa::path(put, path = "/settings", tag = "settings", request_body = ProgramSettings,
    responses((status = 200, body = ProgramSettings), (status = 422, body = Problem), (status = 403, body = Problem)), security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    Auth(actor): Auth,
    body: JsonBody<ProgramSettings>,
) -> ApiResult<Json<ProgramSettings>> {
    Ok(Json(
        state
            .store
            .update_settings(&actor, body.value, state.clock.now())
            .await?,
    ))
}
