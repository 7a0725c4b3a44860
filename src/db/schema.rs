//! Table definitions shared by both backends (see `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    users (id) {
        id -> Integer,
        username -> Text,
        username_normalized -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        manager_id -> Nullable<Integer>,
        first_name -> Text,
        last_name -> Text,
        phone -> Text,
        photo_path -> Nullable<Text>,
        google_photo_url -> Nullable<Text>,
        tutorial_seen -> Bool,
        must_change_password -> Bool,
        email_verified -> Bool,
        language -> Text,
        currency -> Text,
        timezone -> Text,
        is_active -> Bool,
        session_epoch -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        temp_password_expires_at -> Nullable<Timestamp>,
        deletion_requested_at -> Nullable<Timestamp>,
        purge_after -> Nullable<Timestamp>,
        google_photo_path -> Nullable<Text>,
        region -> Nullable<Text>,
    }
}

diesel::table! {
    user_sessions (id) {
        id -> Text,
        user_id -> Integer,
        epoch -> Integer,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ip -> Text,
        user_agent -> Text,
        revoked_at -> Nullable<Timestamp>,
        public_id -> Text,
        authenticated_at -> Timestamp,
        remember_until -> Nullable<Timestamp>,
        reauth_pass_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    throttle_attempts (id) {
        id -> Integer,
        scope -> Text,
        subject_key -> Text,
        client -> Text,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> Integer,
        token_hash -> Text,
        purpose -> Text,
        user_id -> Integer,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Integer,
        kind -> Text,
        recipient -> Text,
        recipient_name -> Text,
        language -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        link -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invoice_settings (id) {
        id -> Integer,
        admin_id -> Integer,
        company_name -> Text,
        address -> Text,
        phone -> Text,
        contact_email -> Text,
        custom_message -> Text,
        show_address -> Bool,
        show_phone -> Bool,
        show_email -> Bool,
        show_message -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    security_events (id) {
        id -> Integer,
        user_id -> Integer,
        actor_id -> Nullable<Integer>,
        kind -> Text,
        client_address -> Text,
        user_agent -> Text,
        created_at -> Timestamp,
        details -> Text,
    }
}

diesel::table! {
    known_browsers (id) {
        id -> Integer,
        user_id -> Integer,
        browser_hash -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    linked_identities (id) {
        id -> Integer,
        user_id -> Integer,
        issuer -> Text,
        subject -> Text,
        email -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    totp_secrets (user_id) {
        user_id -> Integer,
        secret_sealed -> Text,
        last_step -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Integer,
        user_id -> Integer,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    team_settings (admin_id) {
        admin_id -> Integer,
        require_two_step -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Integer,
        user_id -> Integer,
        credential_id -> Text,
        user_handle -> Text,
        passkey -> Text,
        name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        token_hash -> Text,
        session_id -> Text,
        user_id -> Integer,
        kind -> Text,
        name -> Nullable<Text>,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        retired_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    passkey_ceremonies (id_hash) {
        id_hash -> Text,
        user_id -> Nullable<Integer>,
        purpose -> Text,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    pending_photos (session_id) {
        session_id -> Text,
        user_id -> Integer,
        jpeg -> Binary,
        created_at -> Timestamp,
    }
}

diesel::joinable!(user_sessions -> users (user_id));
diesel::joinable!(api_tokens -> user_sessions (session_id));
diesel::joinable!(invoice_settings -> users (admin_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(linked_identities -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_sessions,
    throttle_attempts,
    invoice_settings,
    one_time_tokens,
    mail_outbox,
    security_events,
    known_browsers,
    linked_identities,
    totp_secrets,
    recovery_codes,
    team_settings,
    passkeys,
    passkey_ceremonies,
    api_tokens,
    pending_photos
);
