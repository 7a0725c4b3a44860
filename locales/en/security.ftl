nav-security = Security
login-field-remember = Remember me on this browser

# The security centre
security-title = Security
security-intro = Where your account is signed in and what happened to it. If you did not do something, use "It was not me".
security-sessions-title = Open sessions
security-this-session = This session
security-address = Address
security-started = Started
security-last-seen = Last active
security-remembered-until = Remembered until
security-end-session = Sign out
security-end-others = Sign out all other sessions
security-session-ended = That session was ended.
security-other-sessions-ended = Your other sessions were ended.
security-history-title = Security history
security-history-empty = Nothing in the history yet.
security-history-pages = History pages
security-history-page = Page
security-history-newer = Newer
security-history-older = Older
security-by = by
security-account-title = Your account and your data
security-not-me-title = See something you did not do?
security-not-me-intro = "It was not me" ends every session (this one too), disables your current password and voids the links sent by mail. We will mail you a link to choose a new password.
security-not-me-button = It was not me
security-not-me-confirm = Sure? You will be signed out on every device and will need the link in the mail to get back in.
security-not-me-yes = Yes, protect my account
security-not-me-done = We ended all your sessions and disabled your password. We mailed you a link to choose a new one; if it does not arrive, ask for another through "Forgot your password?".

# Re-authentication
reauth-title = Confirm it is you
reauth-intro = To continue, type your password again.
reauth-field-password = Password
reauth-submit = Continue
reauth-done = Thank you. You can continue now.
reauth-wrong-password = The password is not correct.

# Devices
device-browser-on-system = { $browser } on { $system }
device-unknown-browser-on = Unknown browser on { $system }
device-unknown = Unknown device

# What happened, in the history
event-signed-in = Signed in
event-sign-in-failed = Failed sign-in attempt
event-sign-in-locked = Sign-ins blocked after too many attempts
event-sign-in-challenged = Sign-in waiting for confirmation by mail
event-sign-in-confirmed = Sign-in confirmed by mail
event-password-changed = Password changed
event-password-reset = Password reset through a link
event-email-change-requested = Email change requested
event-email-changed = Email changed
event-email-verified = Email confirmed
event-signed-up = Account created
event-vendedor-created = Account created by your admin
event-deactivated = Account deactivated
event-activated = Account activated
event-temporary-password-set = New temporary password
event-tutorial-reset = Tutorial reset
event-reauthenticated = Password confirmed for a sensitive action
event-session-ended = Another session ended
event-other-sessions-ended = All other sessions ended
event-account-locked-down = "It was not me": sessions ended and password disabled

# Mail
mail-locked-down-subject = We protected your cuentas account
mail-locked-down-body = You pressed "It was not me": we ended every session of your account, disabled your password and voided the links sent before.
mail-locked-down-action = Choose a new password
mail-locked-down-note = If it was not you who pressed "It was not me", choose a new password anyway: nobody can sign in with the old one.
mail-new-sign-in-subject = New sign-in to cuentas
mail-new-sign-in-body = Someone signed in to your account from a browser it had not used before: { $device }, from the address { $address }, on { $time }.
mail-new-api-sign-in-body = Someone signed in to your account through the API with the client “{ $device }”, from the address { $address }, on { $time }. Every sign-in through the API is reported, since its clients keep no browser we could recognise.
mail-new-sign-in-action = Review my security
mail-new-sign-in-note = If it was you, there is nothing to do. If not, go to Security and press "It was not me".
