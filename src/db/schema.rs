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
        next_deadline -> Nullable<Date>,
        overdue -> Bool,
        reporter_key -> Nullable<Text>,
        declared_employee -> Bool,
        declared_supervision -> Bool,
        source_note -> Nullable<Text>,
        enterprise_id -> Nullable<BigInt>,
        content_erased_at -> Nullable<Timestamp>,
        overdue_noticed -> Nullable<Date>,
    }
}

diesel::table! {
    tip_units (tip_id, unit) {
        tip_id -> BigInt,
        unit -> Text,
        role -> Text,
        queue_key -> Date,
        street -> Nullable<Text>,
        enterprise -> Nullable<Text>,
        submitted_at -> Timestamp,
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
        totp_secret_sealed -> Nullable<Binary>,
        totp_enabled -> Bool,
        totp_last_step -> Nullable<BigInt>,
        totp_failures -> Integer,
        totp_locked_until -> Nullable<Timestamp>,
        phone_key -> Nullable<Text>,
        supervision_group -> Nullable<Text>,
        sms_phone_sealed -> Nullable<Binary>,
    }
}

diesel::joinable!(tip_units -> tips (tip_id));
diesel::joinable!(tip_events -> tips (tip_id));
diesel::joinable!(messages -> tips (tip_id));

diesel::table! {
    case_reads (tip_id, unit) {
        tip_id -> BigInt,
        unit -> Text,
        read_at -> Timestamp,
    }
}

diesel::joinable!(case_reads -> tips (tip_id));

diesel::table! {
    attachments (id) {
        id -> BigInt,
        tip_id -> BigInt,
        content_type -> Text,
        bytes -> BigInt,
        data -> Binary,
        created_at -> Timestamp,
        added_later -> Bool,
    }
}

diesel::joinable!(attachments -> tips (tip_id));

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

diesel::table! {
    case_files (tip_id) {
        tip_id -> BigInt,
        acceptance_due -> Nullable<Date>,
        accepted_at -> Nullable<Timestamp>,
        verification_due -> Nullable<Date>,
        verification_extended -> Bool,
        verified_at -> Nullable<Timestamp>,
        feedback_due -> Nullable<Date>,
        rectification_due -> Nullable<Date>,
        responsible_party -> Nullable<Text>,
        measures -> Nullable<Text>,
        suspend_operations -> Bool,
        rectified_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        duplicate_of -> Nullable<Text>,
        reject_reason -> Nullable<Text>,
        reward_excluded -> Nullable<Text>,
        finding -> Nullable<Text>,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        second_factor_ok -> Bool,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        case_number -> Nullable<Text>,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
        address -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        hash_version -> Integer,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        recipient_sealed -> Binary,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        channel -> Text,
        params -> Nullable<Text>,
        recipient_key -> Nullable<Text>,
    }
}

diesel::table! {
    sms_sent (recipient_key, day) {
        recipient_key -> Text,
        day -> Date,
        sent -> Integer,
    }
}

diesel::table! {
    deadline_notices (tip_id, kind, due) {
        tip_id -> BigInt,
        kind -> Text,
        due -> Date,
        notified_at -> Timestamp,
    }
}

diesel::joinable!(case_files -> tips (tip_id));
diesel::joinable!(staff_sessions -> staff_users (user_id));

diesel::table! {
    rewards (id) {
        id -> BigInt,
        tip_id -> BigInt,
        basis -> Text,
        fine_fen -> Nullable<BigInt>,
        deaths_concealed -> Nullable<Integer>,
        accident_grade -> Nullable<Text>,
        penalty_decision -> Nullable<Text>,
        employee -> Bool,
        computed_fen -> BigInt,
        amount_fen -> BigInt,
        rule -> Text,
        note -> Nullable<Text>,
        status -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        signed_off_by -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        claim_deadline -> Nullable<Date>,
        payee_sealed -> Nullable<Binary>,
        payee_account_key -> Nullable<Text>,
        payee_phone_key -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        paid_by -> Nullable<Text>,
        paid_at -> Nullable<Timestamp>,
        paid_reference -> Nullable<Text>,
        reporter_key -> Nullable<Text>,
        month -> Text,
        signoff_note -> Nullable<Text>,
        second_decided_by -> Nullable<Text>,
        policy -> Nullable<Text>,
    }
}

diesel::joinable!(rewards -> tips (tip_id));

diesel::table! {
    exposures (id) {
        id -> BigInt,
        tip_id -> BigInt,
        enterprise -> Text,
        location -> Text,
        finding -> Text,
        published_by -> Text,
        published_at -> Timestamp,
        withdrawn_by -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        withdraw_reason -> Nullable<Text>,
    }
}

diesel::joinable!(exposures -> tips (tip_id));

diesel::table! {
    spent_challenges (id) {
        id -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    submissions (lookup) {
        lookup -> Text,
        body_hash -> Text,
        sealed -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    enterprises (id) {
        id -> BigInt,
        name -> Text,
        credit_code -> Nullable<Text>,
        address -> Text,
        street -> Text,
        sector -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspections (id) {
        id -> BigInt,
        title -> Text,
        held_on -> Date,
        departments -> Text,
        street -> Nullable<Text>,
        members -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspection_enterprises (inspection_id, enterprise_id) {
        inspection_id -> BigInt,
        enterprise_id -> BigInt,
    }
}

diesel::table! {
    hazard_counters (year) {
        year -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    hazards (id) {
        id -> BigInt,
        number -> Text,
        source -> Text,
        tip_id -> Nullable<BigInt>,
        inspection_id -> Nullable<BigInt>,
        enterprise_id -> Nullable<BigInt>,
        description -> Text,
        grade -> Text,
        basis -> Nullable<Text>,
        found_on -> Date,
        department -> Text,
        street -> Nullable<Text>,
        responsible_person -> Text,
        supervisor -> Text,
        street_official -> Nullable<Text>,
        leader -> Nullable<Text>,
        measures -> Text,
        deadline -> Date,
        original_deadline -> Date,
        suspend_operations -> Bool,
        resumed_on -> Nullable<Date>,
        status -> Text,
        overdue -> Bool,
        rectified_on -> Nullable<Date>,
        reviewed_by -> Nullable<Text>,
        reviewed_on -> Nullable<Date>,
        escalated_on -> Nullable<Date>,
        supervised -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    hazard_events (id) {
        id -> BigInt,
        hazard_id -> BigInt,
        kind -> Text,
        actor -> Text,
        at -> Timestamp,
        note -> Nullable<Text>,
        on_date -> Nullable<Date>,
    }
}

diesel::table! {
    blacklist (id) {
        id -> BigInt,
        enterprise_id -> BigInt,
        reason -> Text,
        listed_on -> Date,
        until -> Nullable<Date>,
        listed_by -> Text,
        listed_at -> Timestamp,
        withdrawn_by -> Nullable<Text>,
        withdrawn_at -> Nullable<Timestamp>,
        withdraw_reason -> Nullable<Text>,
    }
}

diesel::joinable!(tips -> enterprises (enterprise_id));
diesel::joinable!(hazards -> enterprises (enterprise_id));
diesel::joinable!(hazards -> tips (tip_id));
diesel::joinable!(hazards -> inspections (inspection_id));
diesel::joinable!(hazard_events -> hazards (hazard_id));
diesel::joinable!(blacklist -> enterprises (enterprise_id));
diesel::joinable!(inspection_enterprises -> inspections (inspection_id));
diesel::joinable!(inspection_enterprises -> enterprises (enterprise_id));

diesel::table! {
    supervision_findings (id) {
        id -> BigInt,
        kind -> Text,
        unit -> Text,
        tip_id -> Nullable<BigInt>,
        hazard_id -> Nullable<BigInt>,
        finding -> Text,
        conclusion -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
        inspector_group -> Nullable<Text>,
    }
}

diesel::table! {
    accountability (id) {
        id -> BigInt,
        kind -> Text,
        unit -> Nullable<Text>,
        enterprise_id -> Nullable<BigInt>,
        decided_on -> Date,
        summary -> Text,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    accountability_cases (accountability_id, tip_id) {
        accountability_id -> BigInt,
        tip_id -> BigInt,
    }
}

diesel::table! {
    explanations (id) {
        id -> BigInt,
        tip_id -> Nullable<BigInt>,
        hazard_id -> Nullable<BigInt>,
        time_limit -> Text,
        body -> Text,
        new_date -> Nullable<Date>,
        by_staff -> Nullable<BigInt>,
        at -> Timestamp,
        decision -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
    }
}

diesel::joinable!(explanations -> tips (tip_id));
diesel::joinable!(explanations -> hazards (hazard_id));

diesel::table! {
    reports (id) {
        id -> BigInt,
        unit -> Nullable<Text>,
        period_from -> Date,
        period_to -> Date,
        round -> Nullable<Text>,
        figures -> Text,
        progress -> Text,
        problems -> Text,
        next_steps -> Text,
        status -> Text,
        prepared_by -> Text,
        prepared_at -> Timestamp,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        signed_by -> Nullable<Text>,
        signed_at -> Nullable<Timestamp>,
        signer_role -> Nullable<Text>,
        submitted_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    listed_supervisions (id) {
        id -> BigInt,
        tip_id -> Nullable<BigInt>,
        hazard_id -> Nullable<BigInt>,
        reason -> Text,
        due -> Date,
        listed_by -> Text,
        listed_at -> Timestamp,
        lifted_by -> Nullable<Text>,
        lifted_at -> Nullable<Timestamp>,
        lift_note -> Nullable<Text>,
    }
}

diesel::table! {
    evaluation_scores (id) {
        id -> BigInt,
        unit -> Text,
        period_from -> Date,
        period_to -> Date,
        leadership -> Integer,
        leadership_note -> Nullable<Text>,
        screening -> Integer,
        screening_note -> Nullable<Text>,
        rectification -> Integer,
        rectification_note -> Nullable<Text>,
        prevention -> Integer,
        prevention_note -> Nullable<Text>,
        entered_by -> Text,
        entered_at -> Timestamp,
    }
}

diesel::joinable!(supervision_findings -> tips (tip_id));
diesel::joinable!(supervision_findings -> hazards (hazard_id));
diesel::joinable!(accountability -> enterprises (enterprise_id));
diesel::joinable!(accountability_cases -> accountability (accountability_id));
diesel::joinable!(accountability_cases -> tips (tip_id));
diesel::joinable!(listed_supervisions -> tips (tip_id));
diesel::joinable!(listed_supervisions -> hazards (hazard_id));

diesel::table! {
    queue_counts (unit, status) {
        unit -> Text,
        status -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    figure_versions (day) {
        day -> Date,
        v -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    figure_versions,
    queue_counts,
    explanations,
    supervision_findings,
    accountability,
    accountability_cases,
    reports,
    listed_supervisions,
    evaluation_scores,
    enterprises,
    inspections,
    inspection_enterprises,
    hazard_counters,
    hazards,
    hazard_events,
    blacklist,
    exposures,
    submissions,
    spent_challenges,
    rewards,
    installation,
    case_counters,
    tips,
    tip_units,
    tip_events,
    messages,
    case_reads,
    staff_users,
    attachments,
    photo_drafts,
    case_files,
    staff_sessions,
    audit_log,
    outbox,
    sms_sent,
    deadline_notices,
);
