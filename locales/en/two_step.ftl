# Two-step sign-in: the authenticator app and recovery codes.

## Security centre
two-step-centre-title = Two-step sign-in
two-step-centre-on = On
two-step-centre-off = Off: the password alone signs in.
two-step-centre-codes-left = { $left ->
    [one] You have { $left } recovery code left.
   *[other] You have { $left } recovery codes left.
}
two-step-centre-manage = Manage two-step sign-in
two-step-centre-set-up = Turn on two-step sign-in

## Settings page
two-step-title = Two-step sign-in
two-step-intro = With two-step sign-in, besides your password we ask for a code from your authenticator app or one of your recovery codes.
two-step-set-up-title = Set up your authenticator app
two-step-set-up-scan = Scan the QR code with your authenticator app, open the link on your phone, or type the key by hand.
two-step-set-up-confirm = Type the 6-digit code the app shows to confirm it.
two-step-set-up-qr-caption = QR code for your authenticator app
two-step-set-up-open-app = Open in your authenticator app
two-step-set-up-key = Key to type by hand:
two-step-field-app-code = App code
two-step-field-app-code-hint = The 6 digits the app shows now.
two-step-set-up-submit = Turn on
two-step-set-up-again = The set-up expired. Scan the code again.
two-step-app-title = Authenticator app
two-step-disable = Turn off two-step sign-in
two-step-disable-confirm = The app's key and the recovery codes will be removed; the password alone will sign in.
two-step-disable-yes = Yes, turn it off
two-step-disabled = Two-step sign-in is off.
two-step-remove-app = Remove the authenticator app
two-step-remove-app-confirm = The app's key will be deleted. Your passkeys and your recovery codes will still serve as the second step.
two-step-remove-app-yes = Yes, remove it
two-step-app-removed = The authenticator app was removed. Your passkeys still protect your sign-in.
two-step-app-enabled-codes-kept = The authenticator app is on. Your recovery codes are unchanged: the ones you saved still work.
two-step-already-off = Two-step sign-in was already off.
two-step-codes-title = Recovery codes
two-step-codes-intro = Unused codes:
two-step-codes-new = Make new codes (the old ones stop working)
two-step-codes-once = Keep these codes somewhere safe: they are shown only now. Each signs you in once when your app is not at hand.
two-step-codes-download = Download as .txt
two-step-codes-print = You can also print this page.
two-step-codes-done = I saved them: back to Security
two-step-codes-file-title = cuentas recovery codes (each works once)
two-step-back = Back to Security

## Sign-in
two-step-sign-in-title = Two-step sign-in
two-step-sign-in-intro = Type the code from your authenticator app or one of your recovery codes.
two-step-field-code = Code
two-step-field-code-hint = 6 digits from the app, or a recovery code (xxxx-xxxx-xxxx-xxxx).
two-step-sign-in-submit = Verify and sign in
two-step-sign-in-restart = Start again
two-step-sign-in-expired = The sign-in expired. Type your username and password again.
two-step-code-used = You signed in with a recovery code; it no longer works.
two-step-codes-low = You signed in with a recovery code and have few left: make new codes in Security.

## Problems
two-step-wrong-code = The code is not right or was already used.
two-step-malformed = Type the 6 digits from the app or a recovery code.
two-step-expired = The set-up expired. Scan the code again.

## Security history
event-two-step-enabled = Two-step sign-in turned on
event-two-step-disabled = Two-step sign-in turned off
event-two-step-app-removed = Authenticator app removed (passkeys remain)
event-recovery-codes-replaced = New recovery codes
event-recovery-code-used = Signed in with a recovery code

## Mails
mail-two-step-enabled-subject = Two-step sign-in turned on at cuentas
mail-two-step-enabled-body = Two-step sign-in was turned on for your account with an authenticator app.
mail-two-step-disabled-subject = Two-step sign-in turned off at cuentas
mail-two-step-disabled-body = Two-step sign-in was turned off for your account: the password alone now signs in.
mail-two-step-app-removed-subject = Authenticator app removed from cuentas
mail-two-step-app-removed-body = The authenticator app was removed from your account. Your passkeys are still asked for as the second step when you sign in.
mail-two-step-codes-subject = New recovery codes at cuentas
mail-two-step-codes-body = New recovery codes were made for your account; the old ones no longer work.
mail-two-step-code-used-subject = A recovery code was used at cuentas
mail-two-step-code-used-body = Someone signed in to your account with one of your recovery codes.
mail-two-step-codes-left = You have { $left } recovery codes left.
mail-two-step-codes-low = You have few left: make new codes on the security page.
mail-two-step-action = Review your account's security
mail-two-step-not-you = If it was not you, press "It was not me" on the security page and change your password.

## Admins
team-action-reset-two-step = Remove two-step sign-in
team-confirm-reset-two-step = Their authenticator app, passkeys and recovery codes will be removed (say, when the phone was lost with the codes). Until they turn it on again, no second step is asked for when they sign in.
team-confirm-reset-two-step-required = Their authenticator app, passkeys and recovery codes will be removed (say, when the phone was lost with the codes). As the team requires two-step sign-in, they will have to set it up again when they sign in, before doing anything else.
team-confirm-yes-reset-two-step = Yes, remove it for
team-two-step-reset = Two-step sign-in was removed; we told them by mail.
mail-two-step-reset-subject = Your admin removed two-step sign-in at cuentas
mail-two-step-reset-body = Your admin removed two-step sign-in from your account: your authenticator app, passkeys and recovery codes are gone. Turn it on again on the security page; if your team requires it, you will be asked to when you sign in.
team-two-step-title = The team's two-step sign-in
team-two-step-field = Require two-step sign-in of every vendedor (whoever lacks it must set it up when signing in)
team-two-step-save = Save
team-two-step-required = The team must now use two-step sign-in.
team-two-step-not-required = The team no longer has to use two-step sign-in.
