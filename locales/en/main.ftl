app-name = cuentas
skip-to-content = Skip to content
footer-text = cuentas · your account and your team
nav-label = Main navigation
nav-dashboard = Home
nav-login = Log in
nav-logout = Log out
role-admin = Admin
role-vendedor = Salesperson

field-username = Username
field-email = Email
field-member-since = Member since

login-title = Log in
login-field-login = Email or username
login-field-password = Password
login-submit = Log in
login-failed = The username or password is not correct.
logout-done = You have logged out.

dashboard-title = Home
dashboard-greeting = Hello
dashboard-intro = This is your space in cuentas. Manage your account from here.

error-summary-title = Please check these fields
error-required = This field is required.
error-username-required = Enter a username.
error-username-too-short = The username must have at least 3 characters.
error-username-too-long = The username can have at most 150 characters.
error-username-characters = Use only letters, digits and the signs @ . + - _
error-email-required = Enter an email address.
error-email-invalid = Enter a valid email address, like name@example.com.

password-too-short = The password must have at least { $min } characters.
password-too-long = The password can have at most { $max } characters.
password-entirely-numeric = The password cannot be entirely numeric.
password-needs-letter-and-digit = The password must contain at least one letter and one digit.
password-common = That password is too common.
password-too-similar = The password is too similar to your username, email or name.
password-too-weak = The password is too easy to guess; try a few uncommon words.

error-go-home = Back to the start
error-400-title = Bad request
error-400-message = We could not understand the request. Go back and try again.
error-401-title = Please log in
error-401-message = You need to log in to continue.
error-403-title = Access denied
error-403-message = The request could not be verified or you lack permission. Reload the page and try again.
error-404-title = Page not found
error-404-message = The page you are looking for does not exist or is no longer available.
error-405-title = Method not allowed
error-405-message = This address does not accept that kind of request.
error-413-title = Too large
error-413-message = What you sent is larger than allowed.
error-422-title = Invalid data
error-422-message = Some of the data is not valid. Check it and try again.
error-429-title = Too many attempts
error-429-message = There were too many attempts in a row. Wait a few minutes before trying again.
error-500-title = Something went wrong
error-500-message = We had a problem processing your request. Please try again in a few minutes.
error-503-title = Service unavailable
error-503-message = The service is not available right now. Please try again in a few minutes.
