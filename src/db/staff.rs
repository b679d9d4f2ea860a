//! Staff accounts.

use super::DbConn;
use super::schema::staff_users;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff_users)]
pub struct StaffRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub totp_enabled: bool,
    /// An inspector's supervision group (督查组), a configured code.
    pub supervision_group: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = staff_users)]
pub struct NewStaffRow<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub unit: Option<&'a str>,
    pub password_hash: &'a str,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub phone_key: Option<&'a str>,
    pub supervision_group: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, row: &NewStaffRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(staff_users::table)
        .values(row)
        .returning(staff_users::id)
        .get_result(conn)
}

pub fn exists(conn: &mut DbConn, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        staff_users::table.filter(staff_users::username.eq(username)),
    ))
    .get_result(conn)
}

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<StaffRow>> {
    staff_users::table
        .order(staff_users::username.asc())
        .select(StaffRow::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    staff_users::table.count().get_result(conn)
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<StaffRow>> {
    super::first_row(
        conn,
        staff_users::table.filter(staff_users::username.eq(username)),
    )
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<StaffRow>> {
    super::first_row(conn, staff_users::table.find(id))
}

pub fn set_password(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn set_group(conn: &mut DbConn, id: i64, group: Option<&str>) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::supervision_group.eq(group))
        .execute(conn)?;
    Ok(())
}

pub fn set_active(conn: &mut DbConn, id: i64, active: bool) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::active.eq(active))
        .execute(conn)?;
    Ok(())
}

pub fn totp(conn: &mut DbConn, id: i64) -> QueryResult<(Option<Vec<u8>>, bool)> {
    staff_users::table
        .find(id)
        .select((staff_users::totp_secret_sealed, staff_users::totp_enabled))
        .first(conn)
}

pub fn set_totp(
    conn: &mut DbConn,
    id: i64,
    sealed: Option<&[u8]>,
    enabled: bool,
) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set((
            staff_users::totp_secret_sealed.eq(sealed),
            staff_users::totp_enabled.eq(enabled),
        ))
        .execute(conn)?;
    Ok(())
}

/// Staff sessions: looked up by a keyed hash of the cookie's token.
pub mod sessions {
    use super::super::DbConn;
    use super::super::schema::staff_sessions as s;
    use chrono::NaiveDateTime;
    use diesel::prelude::*;

    #[derive(Debug, Clone, Queryable, Selectable)]
    #[diesel(table_name = s)]
    pub struct SessionRow {
        pub id: i64,
        pub token_hash: String,
        pub user_id: i64,
        pub csrf_token: String,
        pub second_factor_ok: bool,
        pub created_at: NaiveDateTime,
        pub last_seen_at: NaiveDateTime,
    }

    pub fn insert(
        conn: &mut DbConn,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        second_factor_ok: bool,
        at: NaiveDateTime,
    ) -> QueryResult<i64> {
        diesel::insert_into(s::table)
            .values((
                s::token_hash.eq(token_hash),
                s::user_id.eq(user_id),
                s::csrf_token.eq(csrf),
                s::second_factor_ok.eq(second_factor_ok),
                s::created_at.eq(at),
                s::last_seen_at.eq(at),
            ))
            .returning(s::id)
            .get_result(conn)
    }

    /// A session by its token's hash, with its account: one read for every staff request.
    pub fn find(
        conn: &mut DbConn,
        token_hash: &str,
    ) -> QueryResult<Option<(SessionRow, super::StaffRow)>> {
        crate::db::natively!(conn, |c| s::table
            .inner_join(super::staff_users::table)
            .filter(s::token_hash.eq(token_hash))
            .select((SessionRow::as_select(), super::StaffRow::as_select()))
            .first(c)
            .optional())
    }

    pub fn touch(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
        diesel::update(s::table.find(id))
            .set(s::last_seen_at.eq(at))
            .execute(conn)?;
        Ok(())
    }

    pub fn delete(conn: &mut DbConn, token_hash: &str) -> QueryResult<()> {
        diesel::delete(s::table.filter(s::token_hash.eq(token_hash))).execute(conn)?;
        Ok(())
    }

    pub fn delete_for_user(
        conn: &mut DbConn,
        user_id: i64,
        except: Option<i64>,
    ) -> QueryResult<()> {
        diesel::delete(s::table.filter(s::user_id.eq(user_id).and(s::id.ne(except.unwrap_or(-1)))))
            .execute(conn)?;
        Ok(())
    }

    /// Sessions last seen before `idle` or begun before `born`.
    pub fn delete_expired(
        conn: &mut DbConn,
        idle: NaiveDateTime,
        born: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::delete(s::table.filter(s::last_seen_at.lt(idle).or(s::created_at.lt(born))))
            .execute(conn)
    }
}

/// The second factor's state: (sealed secret, enabled, last step used, failures, locked until).
pub type TotpState = (
    Option<Vec<u8>>,
    bool,
    Option<i64>,
    i32,
    Option<NaiveDateTime>,
);

pub fn totp_state(conn: &mut DbConn, id: i64) -> QueryResult<TotpState> {
    staff_users::table
        .find(id)
        .select((
            staff_users::totp_secret_sealed,
            staff_users::totp_enabled,
            staff_users::totp_last_step,
            staff_users::totp_failures,
            staff_users::totp_locked_until,
        ))
        .first(conn)
}

pub fn set_totp_progress(
    conn: &mut DbConn,
    id: i64,
    last_step: Option<i64>,
    failures: i32,
    locked_until: Option<NaiveDateTime>,
) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set((
            staff_users::totp_last_step.eq(last_step),
            staff_users::totp_failures.eq(failures),
            staff_users::totp_locked_until.eq(locked_until),
        ))
        .execute(conn)?;
    Ok(())
}

/// Opts a staff member in to texts of overdue escalations (their number sealed, and its keyed
/// hash kept as for any staff phone) or out (`None`: the sealed number is dropped).
pub fn set_sms_phone(
    conn: &mut DbConn,
    id: i64,
    sealed: Option<&[u8]>,
    phone_key: Option<&str>,
) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::sms_phone_sealed.eq(sealed))
        .execute(conn)?;
    if let Some(key) = phone_key {
        diesel::update(staff_users::table.find(id))
            .set(staff_users::phone_key.eq(key))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether a staff member has opted in to texts.
pub fn sms_opted_in(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    Ok(staff_users::table
        .find(id)
        .select(staff_users::sms_phone_sealed.is_not_null())
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// (id, sealed number) of active staff who opted in to texts and work for `unit`, or are the
/// coordinator: who is texted when a case of `unit` is overdue.
pub fn sms_recipients(
    conn: &mut DbConn,
    unit: &str,
    coordinator_role: &str,
) -> QueryResult<Vec<(i64, Vec<u8>)>> {
    staff_users::table
        .filter(staff_users::active.eq(true))
        .filter(staff_users::sms_phone_sealed.is_not_null())
        .filter(
            staff_users::unit
                .eq(unit)
                .or(staff_users::role.eq(coordinator_role)),
        )
        .order(staff_users::id.asc())
        .select((
            staff_users::id,
            staff_users::sms_phone_sealed.assume_not_null(),
        ))
        .load(conn)
}

/// The keyed hashes of staff phones.
pub fn phone_keys(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    staff_users::table
        .filter(staff_users::phone_key.is_not_null())
        .select(staff_users::phone_key.assume_not_null())
        .load(conn)
}

/// Every account's username and display name (to name people where pages show them).
pub fn display_names(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    staff_users::table
        .select((staff_users::username, staff_users::display_name))
        .load(conn)
}
