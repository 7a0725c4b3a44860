# Onboarding: the dashboard's checklist and the account's status.
onboarding-title = First steps
onboarding-intro = Complete your account. Each link leads to where the step is done:
onboarding-step-email = Confirm your email address
onboarding-step-name = Enter your first and last name
onboarding-step-phone = Add your phone number
onboarding-step-photo = Upload a profile photo
onboarding-step-company = Enter your company name for invoices
onboarding-step-password = Replace the temporary password with your own
onboarding-status-label = Account status
onboarding-status-onboarding = Setting up
onboarding-status-active = Active
signup-field-first-name = First name
signup-field-last-name = Last name
signup-field-company = Company name
signup-hint-company = It appears on your invoices; you can change it in your profile.
