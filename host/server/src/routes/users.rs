//! `/api/v1/users`: the users of the caller's tenant. Every statement is scoped by the
//! caller's tenant id; a user id of another tenant is simply not found.

use axum::extract::State;
use axum::http::StatusCode;
use eoex_store::users::{NewUser, UserFilter};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::nullable;
use super::views::{Paginated, UserView, page_request};
use crate::auth::{Caller, Role, passwords};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::validate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserListParams {
    /// Page number, from 1 (default 1).
    page: Option<u32>,
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
    /// Only users with this role.
    role: Option<Role>,
    /// Only active (`true`) or inactive (`false`) users.
    is_active: Option<bool>,
    /// Case-insensitive match on e-mail, username, first or last name.
    search: Option<String>,
}

/// List the tenant's users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(UserListParams),
    responses((status = 200, body = Paginated<UserView>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<UserListParams>,
) -> ApiResult<Json<Paginated<UserView>>> {
    let page = page_request(params.page, params.limit)?;
    let filter = UserFilter {
        role: params.role.map(|r| r.as_str().to_owned()),
        is_active: params.is_active,
        search: validate::optional_text("search", params.search.as_deref(), 200)?,
    };
    let users = state.db.users(caller.tenant_id(), &filter, page).await?;
    Ok(Json(Paginated::from_page(users, page)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    email: String,
    /// At least 10 characters.
    password: String,
    /// Defaults to the e-mail address; unique within the tenant.
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    /// Defaults to `user`. Only an owner may create owners.
    role: Option<Role>,
}

/// Add a user to the tenant (owner or admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = CreateUserRequest,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    caller.require_admin()?;
    let role = req.role.unwrap_or(Role::User);
    if !caller.role.can_manage(role) {
        return Err(ApiError::forbidden(format!(
            "an {} cannot create a user with role {}",
            caller.role.as_str(),
            role.as_str()
        )));
    }
    let email = validate::email("email", &req.email)?;
    passwords::validate("password", &req.password)?;
    let new = NewUser {
        username: match req.username {
            Some(name) => validate::required_text("username", &name, 100)?,
            None => email.clone(),
        },
        email,
        password_hash: passwords::hash(req.password).await?,
        first_name: validate::optional_text("first_name", req.first_name.as_deref(), 100)?,
        last_name: validate::optional_text("last_name", req.last_name.as_deref(), 100)?,
        phone: validate::optional_text("phone", req.phone.as_deref(), 50)?,
        role: role.as_str().to_owned(),
    };
    let user = state
        .db
        .create_user(caller.tenant_id(), &new, &caller.origin())
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// One user of the tenant.
#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<Uuid>,
) -> ApiResult<Json<UserView>> {
    let user = state
        .db
        .user(caller.tenant_id(), user_id)
        .await
        .map_err(user_not_found)?;
    Ok(Json(user.into()))
}

fn user_not_found(err: eoex_store::StoreError) -> ApiError {
    match err {
        eoex_store::StoreError::NotFound => ApiError::not_found("user"),
        other => other.into(),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    email: Option<String>,
    username: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    /// A new password; changing one's own requires `current_password`.
    password: Option<String>,
    current_password: Option<String>,
    /// Owner or admin only.
    role: Option<Role>,
    /// Owner or admin only; an inactive user cannot log in.
    is_active: Option<bool>,
}

/// Change a user. Anyone but `readonly` may edit their own name, phone and password;
/// owners and admins may change others (admins not owners), their role and status.
#[utoipa::path(patch, path = "/api/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = Uuid, Path)), request_body = UpdateUserRequest,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Taken e-mail/username, or the tenant's last owner", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<Uuid>,
    Json(req): Json<UpdateUserRequest>,
) -> ApiResult<Json<UserView>> {
    caller.require_write()?;
    let is_self = user_id == caller.user_id();
    let email = req
        .email
        .as_deref()
        .map(|e| validate::email("email", e))
        .transpose()?;
    let username = req
        .username
        .as_deref()
        .map(|u| validate::required_text("username", u, 100))
        .transpose()?;
    let first_name = req
        .first_name
        .map(|v| validate::optional_text("first_name", v.as_deref(), 100))
        .transpose()?;
    let last_name = req
        .last_name
        .map(|v| validate::optional_text("last_name", v.as_deref(), 100))
        .transpose()?;
    let phone = req
        .phone
        .map(|v| validate::optional_text("phone", v.as_deref(), 50))
        .transpose()?;
    let password_hash = match req.password {
        Some(password) => {
            passwords::validate("password", &password)?;
            if is_self {
                let current = req.current_password.ok_or_else(|| {
                    ApiError::validation(
                        "current_password",
                        "is required to change your own password",
                    )
                })?;
                if !passwords::verify(current, Some(caller.user.password_hash.clone())).await? {
                    return Err(ApiError::validation("current_password", "is incorrect"));
                }
            }
            Some(passwords::hash(password).await?)
        }
        None => None,
    };
    let administrative =
        email.is_some() || username.is_some() || req.role.is_some() || req.is_active.is_some();

    let user = state
        .db
        .update_user(caller.tenant_id(), user_id, &caller.origin(), |user| {
            let current = Role::parse(&user.role).unwrap_or(Role::Readonly);
            if (!is_self || administrative) && !(caller.role.can_administer() && caller.role.can_manage(current)) {
                return Err(if is_self {
                    ApiError::forbidden("changing e-mail, username, role or status requires the owner or admin role")
                } else {
                    ApiError::forbidden(format!("an {} cannot change this user", caller.role.as_str()))
                });
            }
            if let Some(role) = req.role
                && !caller.role.can_manage(role)
            {
                return Err(ApiError::forbidden(format!("an {} cannot grant the {} role", caller.role.as_str(), role.as_str())));
            }
            if let Some(email) = email {
                user.email = email;
            }
            if let Some(username) = username {
                user.username = username;
            }
            if let Some(v) = first_name {
                user.first_name = v;
            }
            if let Some(v) = last_name {
                user.last_name = v;
            }
            if let Some(v) = phone {
                user.phone = v;
            }
            if let Some(hash) = password_hash {
                user.password_hash = hash;
            }
            if let Some(role) = req.role {
                user.role = role.as_str().to_owned();
            }
            if let Some(active) = req.is_active {
                user.is_active = active;
            }
            Ok(())
        })
        .await
        .map_err(|e: ApiError| if e.status() == StatusCode::NOT_FOUND { ApiError::not_found("user") } else { e })?;
    Ok(Json(user.into()))
}

/// Remove a user from the tenant (owner or admin; not yourself, not the last owner).
#[utoipa::path(delete, path = "/api/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(user_id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    if user_id == caller.user_id() {
        return Err(ApiError::conflict(
            "cannot_delete_self",
            "you cannot delete your own account",
        ));
    }
    state
        .db
        .delete_user(caller.tenant_id(), user_id, &caller.origin(), |user| {
            let role = Role::parse(&user.role).unwrap_or(Role::Readonly);
            if caller.role.can_manage(role) {
                Ok(())
            } else {
                Err(ApiError::forbidden(format!(
                    "an {} cannot delete an {}",
                    caller.role.as_str(),
                    role.as_str()
                )))
            }
        })
        .await
        .map_err(|e: ApiError| {
            if e.status() == StatusCode::NOT_FOUND {
                ApiError::not_found("user")
            } else {
                e
            }
        })?;
    Ok(StatusCode::NO_CONTENT)
}
