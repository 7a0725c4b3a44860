# Onboarding: the dashboard's checklist and the account's status.
onboarding-title = Primeros pasos
onboarding-intro = Completa tu cuenta. Cada enlace lleva a donde se hace el paso:
onboarding-step-email = Confirma tu correo electrónico
onboarding-step-name = Escribe tu nombre y tus apellidos
onboarding-step-phone = Añade tu teléfono
onboarding-step-photo = Sube una foto de perfil
onboarding-step-company = Escribe el nombre de tu empresa para las facturas
onboarding-step-password = Cambia la contraseña temporal por una tuya
onboarding-status-label = Estado de la cuenta
onboarding-status-onboarding = En configuración
onboarding-status-active = Activa
signup-field-first-name = Nombre
signup-field-last-name = Apellidos
signup-field-company = Nombre de tu empresa
signup-hint-company = Aparece en tus facturas; puedes cambiarlo en tu perfil.
