//! The mails the application sends, rendered from `templates/email/` (a plain-text and an HTML
//! alternative) with their words from the recipient's catalog.

use askama::Template;
use fluent_templates::fluent_bundle::FluentValue;
use url::Url;

use crate::clock::Timestamp;
use crate::db::outbox::NewMail;
use crate::i18n::Lang;
use crate::locale::Reader;
use crate::paths;

/// Who a mail goes to, and in which language.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub address: String,
    pub name: String,
    pub lang: Lang,
    /// How the recipient writes dates and amounts.
    pub reader: Reader,
}

impl Recipient {
    pub fn of(user: &crate::db::users::User) -> Self {
        let reader = Reader::of(user);
        Self {
            address: user.email.clone(),
            name: user.display_name().to_owned(),
            lang: Lang::from_code(&user.language).unwrap_or_default(),
            reader,
        }
    }
}

/// One kind of mail, with what its text needs.
#[derive(Clone, Debug)]
pub enum Mail<'a> {
    /// A change to two-step sign-in.
    TwoStep(TwoStepNotice),
    /// Confirms the account's address (sign-up, resend, the profile's button).
    VerifyEmail {
        token: &'a str,
        hours: u64,
    },
    /// Sent to a new address to confirm the change to it.
    ConfirmNewEmail {
        token: &'a str,
        hours: u64,
        new_email: &'a str,
    },
    /// To the old address when a change to `new_email` is requested.
    EmailChangeRequested {
        new_email: &'a str,
    },
    /// Someone tried to sign up with an address that already has an account.
    SignupAttempt,
    ResetPassword {
        token: &'a str,
        minutes: u64,
    },
    PasswordChanged,
    /// A sign-in from an unknown browser while the account is under guard.
    ConfirmSignIn {
        token: &'a str,
        minutes: u64,
    },
    /// The account was marked for deletion; the link restores it until `date`.
    AccountDeletion {
        token: &'a str,
        date: &'a str,
    },
    /// After "no fui yo": what happened, and the link to choose a new password.
    LockedDown {
        token: &'a str,
        minutes: u64,
    },
    /// A sign-in from a browser the account had not used before, or through the API (whose
    /// clients keep no browser to recognise, so each of their sign-ins is told).
    NewSignIn {
        /// The browser and system in words, or the API client's name.
        device: String,
        /// The sign-in was through the API: `device` is the client's name.
        through_api: bool,
        address: &'a str,
        /// The time in the recipient's time zone.
        time: String,
    },
}

/// What changed in two-step sign-in.
#[derive(Clone, Copy, Debug)]
pub enum TwoStepNotice {
    Enabled,
    Disabled,
    /// The authenticator app was turned off while passkeys still make the second step.
    AppRemoved,
    /// The vendedor's admin removed the factors.
    ResetByAdmin,
    NewCodes,
    /// A recovery code was used to sign in; `left` remain, and `low` says it is time to make
    /// new ones.
    CodeUsed {
        left: i64,
        low: bool,
    },
    /// A passkey was added to the account.
    PasskeyAdded,
    /// A passkey was removed from the account.
    PasskeyRemoved,
    /// The account's last factor, a passkey, was removed: two-step sign-in is off.
    LastPasskeyRemoved,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextBody<'a> {
    content: &'a Content,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlBody<'a> {
    lang: &'static str,
    content: &'a Content,
}

/// The words of one mail, filled into both templates.
struct Content {
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
    note: String,
    link_fallback: String,
    signature: String,
}

impl Mail<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::ConfirmNewEmail { .. } => "confirm_new_email",
            Self::EmailChangeRequested { .. } => "email_change_requested",
            Self::SignupAttempt => "signup_attempt",
            Self::ResetPassword { .. } => "reset_password",
            Self::PasswordChanged => "password_changed",
            Self::ConfirmSignIn { .. } => "confirm_sign_in",
            Self::AccountDeletion { .. } => "account_deletion",
            Self::LockedDown { .. } => "locked_down",
            Self::NewSignIn { .. } => "new_sign_in",
            Self::TwoStep(_) => "two_step",
        }
    }

    /// Renders the mail for `to`, ready to queue.
    pub fn compose(
        &self,
        to: &Recipient,
        base_url: &Url,
        now: Timestamp,
    ) -> Result<NewMail, askama::Error> {
        let lang = to.lang;
        let t = |key: &str| lang.t(key);
        let with =
            |key: &str, args: &[(&'static str, FluentValue<'static>)]| lang.t_args(key, args);
        let link = |path: String| super::link(base_url, &path);
        let recover = link(paths::RECOVER_PASSWORD.into());
        let ((subject_key, action_key), action_link, paragraphs, note) = match self {
            Self::VerifyEmail { token, hours } => (
                ("mail-verify-subject", "mail-verify-action"),
                Some(link(paths::verify_email(token))),
                vec![with("mail-verify-body", &[("hours", (*hours).into())])],
                t("mail-ignore"),
            ),
            Self::ConfirmNewEmail {
                token,
                hours,
                new_email,
            } => (
                ("mail-change-subject", "mail-change-action"),
                Some(link(paths::verify_email(token))),
                vec![with(
                    "mail-change-body",
                    &[
                        ("email", (*new_email).to_owned().into()),
                        ("hours", (*hours).into()),
                    ],
                )],
                t("mail-ignore"),
            ),
            Self::EmailChangeRequested { new_email } => (
                ("mail-change-notice-subject", ""),
                None,
                vec![with(
                    "mail-change-notice-body",
                    &[("email", (*new_email).to_owned().into())],
                )],
                t("mail-not-you-password"),
            ),
            Self::SignupAttempt => (
                ("mail-signup-attempt-subject", "mail-signup-attempt-action"),
                Some(recover.clone()),
                vec![t("mail-signup-attempt-body")],
                t("mail-ignore"),
            ),
            Self::ResetPassword { token, minutes } => (
                ("mail-reset-subject", "mail-reset-action"),
                Some(link(paths::reset_password(token))),
                vec![with("mail-reset-body", &[("minutes", (*minutes).into())])],
                t("mail-ignore"),
            ),
            Self::ConfirmSignIn { token, minutes } => (
                ("mail-sign-in-subject", "mail-sign-in-action"),
                Some(link(paths::confirm_sign_in(token))),
                vec![with("mail-sign-in-body", &[("minutes", (*minutes).into())])],
                t("mail-sign-in-not-you"),
            ),
            Self::AccountDeletion { token, date } => (
                ("mail-deletion-subject", "mail-deletion-action"),
                Some(link(paths::restore_account(token))),
                vec![
                    with("mail-deletion-body", &[("date", (*date).to_owned().into())]),
                    t("mail-deletion-restore"),
                ],
                t("mail-deletion-not-you"),
            ),
            Self::LockedDown { token, minutes } => (
                ("mail-locked-down-subject", "mail-locked-down-action"),
                Some(link(paths::reset_password(token))),
                vec![
                    t("mail-locked-down-body"),
                    with("mail-reset-body", &[("minutes", (*minutes).into())]),
                ],
                t("mail-locked-down-note"),
            ),
            Self::NewSignIn {
                device,
                through_api,
                address,
                time,
            } => (
                ("mail-new-sign-in-subject", "mail-new-sign-in-action"),
                Some(link(paths::SECURITY.into())),
                vec![with(
                    if *through_api {
                        "mail-new-api-sign-in-body"
                    } else {
                        "mail-new-sign-in-body"
                    },
                    &[
                        ("device", device.clone().into()),
                        ("address", (*address).to_owned().into()),
                        ("time", time.clone().into()),
                    ],
                )],
                t("mail-new-sign-in-note"),
            ),
            Self::TwoStep(notice) => {
                let (subject, body) = match notice {
                    TwoStepNotice::Enabled => (
                        "mail-two-step-enabled-subject",
                        "mail-two-step-enabled-body",
                    ),
                    TwoStepNotice::Disabled => (
                        "mail-two-step-disabled-subject",
                        "mail-two-step-disabled-body",
                    ),
                    TwoStepNotice::AppRemoved => (
                        "mail-two-step-app-removed-subject",
                        "mail-two-step-app-removed-body",
                    ),
                    TwoStepNotice::ResetByAdmin => {
                        ("mail-two-step-reset-subject", "mail-two-step-reset-body")
                    }
                    TwoStepNotice::NewCodes => {
                        ("mail-two-step-codes-subject", "mail-two-step-codes-body")
                    }
                    TwoStepNotice::CodeUsed { .. } => (
                        "mail-two-step-code-used-subject",
                        "mail-two-step-code-used-body",
                    ),
                    TwoStepNotice::PasskeyAdded => {
                        ("mail-passkey-added-subject", "mail-passkey-added-body")
                    }
                    TwoStepNotice::PasskeyRemoved => {
                        ("mail-passkey-removed-subject", "mail-passkey-removed-body")
                    }
                    TwoStepNotice::LastPasskeyRemoved => (
                        "mail-passkey-removed-two-step-off-subject",
                        "mail-passkey-removed-two-step-off-body",
                    ),
                };
                let mut paragraphs = vec![t(body)];
                if let TwoStepNotice::CodeUsed { left, low } = notice {
                    paragraphs.push(with(
                        "mail-two-step-codes-left",
                        &[("left", (*left).into())],
                    ));
                    if *low {
                        paragraphs.push(t("mail-two-step-codes-low"));
                    }
                }
                (
                    (subject, "mail-two-step-action"),
                    Some(link(paths::SECURITY.into())),
                    paragraphs,
                    t("mail-two-step-not-you"),
                )
            }
            Self::PasswordChanged => (
                (
                    "mail-password-changed-subject",
                    "mail-password-changed-action",
                ),
                Some(recover.clone()),
                vec![t("mail-password-changed-body")],
                t("mail-not-you-reset"),
            ),
        };
        let content = Content {
            subject: t(subject_key),
            greeting: with("mail-greeting", &[("name", to.name.clone().into())]),
            paragraphs,
            action: action_link.clone().map(|url| (t(action_key), url)),
            note,
            link_fallback: t("mail-link-fallback"),
            signature: t("mail-signature"),
        };
        let body_text = TextBody { content: &content }.render()?;
        let body_html = HtmlBody {
            lang: lang.code(),
            content: &content,
        }
        .render()?;
        Ok(NewMail {
            kind: self.kind().to_owned(),
            recipient: to.address.clone(),
            recipient_name: to.name.clone(),
            language: lang.code().to_owned(),
            subject: content.subject,
            body_text,
            body_html,
            link: action_link.filter(|_| {
                matches!(
                    self,
                    Self::VerifyEmail { .. }
                        | Self::ConfirmNewEmail { .. }
                        | Self::ResetPassword { .. }
                        | Self::ConfirmSignIn { .. }
                        | Self::AccountDeletion { .. }
                        | Self::LockedDown { .. }
                )
            }),
            next_attempt_at: now,
            created_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(mail: &Mail<'_>, name: &str, lang: Lang) -> NewMail {
        let to = Recipient {
            address: "ana@example.com".into(),
            name: name.into(),
            lang,
            reader: Reader::new(lang, None, "UTC"),
        };
        let base = Url::parse("https://cuentas.example/").expect("url");
        mail.compose(&to, &base, chrono::NaiveDateTime::default())
            .expect("renders")
    }

    #[test]
    fn a_mail_has_its_link_in_both_alternatives_and_escapes_names_in_html() {
        let mail = render(
            &Mail::VerifyEmail {
                token: "tok",
                hours: 48,
            },
            "<b>Ana</b> & Co",
            Lang::Es,
        );
        let link = "https://cuentas.example/verificar-email/tok/";
        assert_eq!(mail.link.as_deref(), Some(link));
        assert!(mail.body_text.contains(link), "{}", mail.body_text);
        assert!(mail.body_html.contains(&format!("href=\"{link}\"")));
        assert!(mail.body_text.contains("Hola, <b>Ana</b> & Co:"));
        assert!(
            mail.body_html.contains("&#60;b&#62;Ana") || mail.body_html.contains("&lt;b&gt;Ana")
        );
        assert!(!mail.body_html.contains("<b>Ana"));
        assert!(mail.body_text.contains("48 horas"));
        assert_eq!(mail.subject, "Confirma tu correo en cuentas");
    }

    #[test]
    fn notices_carry_no_token_link() {
        for mail in [
            Mail::PasswordChanged,
            Mail::SignupAttempt,
            Mail::EmailChangeRequested {
                new_email: "new@example.com",
            },
        ] {
            let rendered = render(&mail, "Ana", Lang::En);
            assert_eq!(rendered.link, None, "{mail:?}");
            assert_eq!(rendered.language, "en");
        }
    }
}
