//! Table definitions shared by both backends (the migrations keep them identical).

diesel::table! {
    installation (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    case_counters (year) {
        year -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    tips (id) {
        id -> BigInt,
        case_number -> Text,
        receipt_hash -> Text,
        sector -> Text,
        street -> Nullable<Text>,
        address -> Text,
        enterprise -> Nullable<Text>,
        description -> Text,
        severity -> Text,
        observed_at -> Nullable<Timestamp>,
        anonymous -> Bool,
        identity_sealed -> Nullable<Binary>,
        wants_reward -> Bool,
        status -> Text,
        department -> Text,
        triage -> Bool,
        suggested_sector -> Nullable<Text>,
        channel -> Text,
        submitted_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tip_units (tip_id, unit) {
        tip_id -> BigInt,
        unit -> Text,
        role -> Text,
    }
}

diesel::table! {
    tip_events (id) {
        id -> BigInt,
        tip_id -> BigInt,
        action -> Text,
        actor -> Nullable<Text>,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        tip_id -> BigInt,
        sender -> Text,
        author -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff_users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        unit -> Nullable<Text>,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(tip_units -> tips (tip_id));
diesel::joinable!(tip_events -> tips (tip_id));
diesel::joinable!(messages -> tips (tip_id));

diesel::allow_tables_to_appear_in_same_query!(
    installation,
    case_counters,
    tips,
    tip_units,
    tip_events,
    messages,
    staff_users
);

diesel::table! {
    attachments (id) {
        id -> BigInt,
        tip_id -> BigInt,
        content_type -> Text,
        bytes -> BigInt,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::joinable!(attachments -> tips (tip_id));
diesel::allow_tables_to_appear_in_same_query!(attachments, tips);

diesel::table! {
    photo_drafts (id) {
        id -> BigInt,
        token_hash -> Text,
        position -> Integer,
        content_type -> Text,
        data -> Binary,
        created_at -> Timestamp,
    }
}
