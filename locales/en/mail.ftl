# Sign-up, verification, password reset, email change and the mails they send.

signup-title = Create an account
signup-intro = Create your business's admin account. We will send you a link to confirm your email.
signup-field-password1 = Password
signup-field-password2 = Repeat the password
signup-submit = Create account
signup-have-account = Already have an account? Log in
signup-check-mail = Check your mail: we sent you a link to confirm the address and activate the account.

login-unverified = Before logging in you need to confirm your email address with the link we sent you.
login-resend-submit = Send the link again
login-forgot-link = Forgot your password?
login-signup-link = Create an account

resend-title = Confirm your email
resend-intro = Enter your email and we will send you a new link to confirm it.
resend-submit = Send link
resend-done = If there is an unconfirmed account with that email, we sent it a new link. Check your inbox.

recover-title = Recover your password
recover-intro = Enter your account's email and we will send you a link to choose a new password.
recover-submit = Send link
recover-done = If there is an account with that email, we sent it a link to reset the password. Check your inbox.

reset-title = Choose a new password
reset-submit = Save the password
reset-done = Your password has been changed. You can now log in with it.

link-invalid-title = Link not valid
link-invalid-message = This link is not valid: it may have expired, been used already, or been replaced by a newer one.
link-invalid-new-reset = Ask for a new link
link-invalid-resend-hint = We will send a new link if the address has an unconfirmed account.
link-back-to-login = Back to log in

verify-confirm-title = Confirm your email
verify-confirm-message = Press the button to confirm that this email address is yours.
verify-confirm-submit = Confirm my email
verify-done = Your email is confirmed.
verify-email-changed = Your new email is confirmed and is now your account's.

profile-email-send-verification = Send confirmation link
profile-email-pending = Waiting for confirmation:
profile-email-cancel = Cancel the email change
profile-verification-sent = We sent you a link to confirm your email.
profile-email-change-cancelled = The email change was cancelled.
profile-email-change-sent = We sent a link to the new address: the change applies when you open it.

mail-greeting = Hello { $name },
mail-signature = The cuentas team
mail-ignore = If it was not you, you can ignore this message.
mail-not-you-password = If it was not you, change your password as soon as possible.
mail-not-you-reset = If it was not you, reset your password now with the link above.
mail-link-fallback = If the button does not work, copy this link into your browser:

mail-verify-subject = Confirm your email for cuentas
mail-verify-body = Open the link to confirm your email address. It expires in { $hours } hours.
mail-verify-action = Confirm my email

mail-change-subject = Confirm your new email for cuentas
mail-change-body = You asked to use { $email } as your account's email. Open the link to confirm it; it expires in { $hours } hours.
mail-change-action = Confirm the new email

mail-change-notice-subject = A change of your account's email was requested
mail-change-notice-body = Someone with access to your account asked to change its email to { $email }. The change only applies once it is confirmed from that address.

mail-signup-attempt-subject = Someone tried to sign up with your email
mail-signup-attempt-body = Someone tried to create a cuentas account with this address, but you already have one. If it was you and you do not remember the password, you can reset it.
mail-signup-attempt-action = Reset the password

mail-reset-subject = Reset your cuentas password
mail-reset-body = You asked to reset your password. Open the link to choose a new one; it expires in { $minutes } minutes and works only once.
mail-reset-action = Choose a new password

mail-password-changed-subject = Your cuentas password was changed
mail-password-changed-body = Your account's password was just changed and your other sessions were ended.
mail-password-changed-action = Reset the password

# Sign-in confirmation while the account is under distributed guessing.
mail-sign-in-subject = Confirm it is you to sign in to cuentas
mail-sign-in-body = Someone typed your account's correct password in a browser we do not know, while the account is receiving many failed attempts. If it was you, open the link to sign in; it expires in { $minutes } minutes and works only once.
mail-sign-in-action = It is me: sign in
mail-sign-in-not-you = If it was not you, someone knows your password: change it now through "Forgot your password?" on the sign-in page.
