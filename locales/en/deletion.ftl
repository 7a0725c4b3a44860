# Deleting an account: the page, the grace period, the restore, the team's deletions.

deletion-title = Delete my account
deletion-intro = Your account will be marked for deletion. Until the date below you can restore it; after that it is gone for good.
deletion-what-title = What is deleted
deletion-what-profile = Your profile, your photo, your sessions, your security history and your pending links.
deletion-what-invoice = Your invoice settings.
deletion-what-team = { $count ->
    [one] Your vendedor (their account is deleted too, with all of its data):
   *[other] Your { $count } vendedores (their accounts are deleted too, with all of their data):
}
deletion-when = It will be deleted for good on
deletion-grace-hint = Confirming ends all of your sessions (and your vendedores' sessions) and mails you a link to restore the account.
deletion-field-email = Type your email address to confirm
deletion-field-email-hint = Your account's address, as you use it to sign in.
deletion-field-password = Current password
deletion-submit = Delete my account
deletion-cancel-link = No, back to my profile
deletion-error-email-mismatch = That is not your account's address.
deletion-error-password-wrong = The password is not correct.
deletion-done-title = Your account will be deleted
deletion-done-date = Your account will be deleted for good on
deletion-done-restore = Until then you can restore it with the link we mailed you, or by signing in with your password.
deletion-pending-title = Account pending deletion
deletion-pending-date = This account will be deleted for good on
deletion-pending-restore-hint = If you want to keep it, restore it now: you will be signed in as usual.
deletion-pending-ask-admin = Until then you cannot sign in. If this is a mistake, ask your admin to restore it.
deletion-restore-submit = Restore my account
deletion-restore-expired = The account could not be restored: sign in with your password again.
deletion-restored = Your account is restored; it will not be deleted.
deletion-restored-link = Your account is restored; you can sign in now.
deletion-link-title = Restore your account
deletion-link-lead = Your account is pending deletion. Press the button to keep it.
deletion-link-invalid = This link no longer works: it was used, it expired, or the account is already deleted.
deletion-profile-title = Delete my account
deletion-profile-hint = It is deleted after a grace period during which you can still restore it.
deletion-profile-link = Delete my account

team-action-delete = Delete
team-confirm-delete = Their sessions end and their account is deleted after the grace period; until then you can restore it.
team-confirm-yes-delete = Yes, delete
team-action-restore = Restore
team-status-deleting = To be deleted on
team-deleted = The vendedor is marked for deletion.
team-restored = The vendedor is restored.

mail-deletion-subject = Your cuentas account will be deleted
mail-deletion-body = You asked to delete your account. It will be deleted for good on { $date }.
mail-deletion-restore = If you change your mind before that date, open the link to restore it.
mail-deletion-action = Restore my account
mail-deletion-not-you = If it was not you, restore the account with the link and change your password: someone knows it.

event-deletion-requested = Account marked for deletion
event-deletion-cancelled = Account restored: it will not be deleted
