# Passkeys (WebAuthn).

## Settings page
passkeys-title = Passkeys
passkeys-intro = A passkey lives on your phone, your computer or a security key and is unlocked with your fingerprint, your face or your PIN. It signs you in without a password, and also serves as the second step after a password.
passkeys-list-title = Your passkeys
passkeys-none = You have no passkeys yet.
passkeys-added = Added
passkeys-last-used = Last used
passkeys-never-used = Never
passkeys-new-name = Name
passkeys-rename = Rename
passkeys-remove = Remove
passkeys-remove-confirm = You will no longer be able to sign in with this passkey.
passkeys-remove-yes = Yes, remove it
passkeys-add-title = Add a passkey
passkeys-need-js = Adding a passkey needs JavaScript: turn it on in your browser. Everything else (the authenticator app, the recovery codes) works without it.
passkeys-need-host-name = Browsers do not accept passkeys on an IP address. Open cuentas with a host name (for example http://localhost:8000) and ask the administrator to set it in CUENTAS_BASE_URL.
passkeys-name = Passkey name
passkeys-name-hint = To recognise it in the list, for example "Phone" or "Work laptop". Up to 60 characters.
passkeys-add = Add a passkey
passkeys-centre-count = { $count ->
    [0] You have no passkeys.
    [one] You have { $count } passkey.
   *[other] You have { $count } passkeys.
}
two-step-passkeys-link = You can also use passkeys as the second step, or to sign in without a password
passkeys-centre-manage = Manage passkeys

## Outcomes
passkey-added = Passkey added.
passkey-renamed = Passkey renamed.
passkey-removed = Passkey removed.
passkey-removed-two-step-off = Passkey removed. It was your last second step: two-step sign-in is off and your recovery codes no longer work.

## Sign-in
passkey-sign-in-button = Sign in with a passkey
passkey-second-step-button = Use a passkey
passkey-sign-in-need-js = Signing in with a passkey needs JavaScript: turn it on in your browser, or sign in with your username and password.
passkey-second-step-need-js = Using a passkey needs JavaScript: turn it on in your browser, or type a code from your app or a recovery code.

## Script messages
passkey-js-waiting = Follow your browser's prompts…
passkey-js-failed = The passkey could not be used. Please try again.
passkey-js-unsupported = This browser does not support passkeys.

## Problems
passkey-refused = The passkey is not valid for this account.
passkey-expired = The operation expired or was already used. Start again.
passkey-malformed = The passkey's answer is not valid.
passkey-name-invalid = The name must be at most 60 characters, without control characters.
passkey-already-added = This passkey is already added.
passkey-none = This account has no passkeys.
passkey-pending-deletion = This account is pending deletion.
passkey-pending-deletion-ask-admin = This account is pending deletion. If this is a mistake, ask your admin to restore it.

## Security history
event-passkey-added = Passkey added
event-passkey-removed = Passkey removed

## Mails
mail-passkey-added-subject = New passkey on cuentas
mail-passkey-added-body = A passkey was added to your account: it can sign in without a password.
mail-passkey-removed-subject = Passkey removed on cuentas
mail-passkey-removed-body = A passkey was removed from your account.
mail-passkey-removed-two-step-off-subject = Passkey removed and two-step sign-in turned off on cuentas
mail-passkey-removed-two-step-off-body = The last passkey of your account was removed, and with it two-step sign-in: no second step is asked for when signing in, and your recovery codes no longer work.
passkey-remove-last-way-in = It is your only way to sign in: set a password (with “Forgot your password?”) or link another account before removing this passkey.
