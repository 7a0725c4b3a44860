# Sign-up, verification, password reset, email change and the mails they send.

signup-title = Crear una cuenta
signup-intro = Crea la cuenta de administrador de tu negocio. Te enviaremos un enlace para confirmar tu correo.
signup-field-password1 = Contraseña
signup-field-password2 = Repite la contraseña
signup-submit = Crear cuenta
signup-have-account = ¿Ya tienes cuenta? Inicia sesión
signup-check-mail = Revisa tu correo: te enviamos un enlace para confirmar la dirección y activar la cuenta.

login-unverified = Antes de entrar tienes que confirmar tu correo electrónico con el enlace que te enviamos.
login-resend-submit = Enviar el enlace de nuevo
login-forgot-link = ¿Olvidaste tu contraseña?
login-signup-link = Crear una cuenta

resend-title = Confirmar el correo
resend-intro = Escribe tu correo y te enviaremos un enlace nuevo para confirmarlo.
resend-submit = Enviar enlace
resend-done = Si hay una cuenta sin confirmar con ese correo, te enviamos un enlace nuevo. Revisa tu bandeja de entrada.

recover-title = Recuperar la contraseña
recover-intro = Escribe el correo de tu cuenta y te enviaremos un enlace para elegir una contraseña nueva.
recover-submit = Enviar enlace
recover-done = Si hay una cuenta con ese correo, te enviamos un enlace para restablecer la contraseña. Revisa tu bandeja de entrada.

reset-title = Elegir una contraseña nueva
reset-submit = Guardar la contraseña
reset-done = Tu contraseña se ha cambiado. Ya puedes iniciar sesión con ella.

link-invalid-title = Enlace no válido
link-invalid-message = Este enlace no es válido: puede que haya caducado, que ya se haya usado o que se haya pedido otro más reciente.
link-invalid-new-reset = Pedir un enlace nuevo
link-invalid-resend-hint = Te enviaremos un enlace nuevo si la dirección tiene una cuenta sin confirmar.
link-back-to-login = Volver a iniciar sesión

verify-confirm-title = Confirmar tu correo
verify-confirm-message = Pulsa el botón para confirmar que esta dirección de correo es tuya.
verify-confirm-submit = Confirmar mi correo
verify-done = Tu correo está confirmado.
verify-email-changed = Tu nuevo correo está confirmado y ya es el de tu cuenta.

profile-email-send-verification = Enviar enlace de confirmación
profile-email-pending = Pendiente de confirmar:
profile-email-cancel = Cancelar el cambio de correo
profile-verification-sent = Te enviamos un enlace para confirmar tu correo.
profile-email-change-cancelled = Se canceló el cambio de correo.
profile-email-change-sent = Te enviamos un enlace a la nueva dirección: el cambio se aplica cuando lo abras.

mail-greeting = Hola, { $name }:
mail-signature = El equipo de cuentas
mail-ignore = Si no fuiste tú, puedes ignorar este mensaje.
mail-not-you-password = Si no fuiste tú, cambia tu contraseña cuanto antes.
mail-not-you-reset = Si no fuiste tú, restablece tu contraseña ahora desde el enlace de arriba.
mail-link-fallback = Si el botón no funciona, copia este enlace en tu navegador:

mail-verify-subject = Confirma tu correo en cuentas
mail-verify-body = Abre el enlace para confirmar tu dirección de correo. Caduca en { $hours } horas.
mail-verify-action = Confirmar mi correo

mail-change-subject = Confirma tu nuevo correo en cuentas
mail-change-body = Pediste usar { $email } como correo de tu cuenta. Abre el enlace para confirmarlo; caduca en { $hours } horas.
mail-change-action = Confirmar el nuevo correo

mail-change-notice-subject = Se pidió cambiar el correo de tu cuenta
mail-change-notice-body = Alguien con acceso a tu cuenta pidió cambiar su correo a { $email }. El cambio solo se aplica cuando se confirme desde esa dirección.

mail-signup-attempt-subject = Alguien intentó registrarse con tu correo
mail-signup-attempt-body = Alguien intentó crear una cuenta en cuentas con esta dirección, pero ya tienes una. Si fuiste tú y no recuerdas la contraseña, puedes restablecerla.
mail-signup-attempt-action = Restablecer la contraseña

mail-reset-subject = Restablece tu contraseña de cuentas
mail-reset-body = Pediste restablecer tu contraseña. Abre el enlace para elegir una nueva; caduca en { $minutes } minutos y solo sirve una vez.
mail-reset-action = Elegir una contraseña nueva

mail-password-changed-subject = Tu contraseña de cuentas se ha cambiado
mail-password-changed-body = La contraseña de tu cuenta se acaba de cambiar y se cerraron las demás sesiones.
mail-password-changed-action = Restablecer la contraseña

# Sign-in confirmation while the account is under distributed guessing.
mail-sign-in-subject = Confirma que eres tú para entrar en cuentas
mail-sign-in-body = Alguien escribió la contraseña correcta de tu cuenta en un navegador que no conocemos, mientras la cuenta recibe muchos intentos fallidos. Si fuiste tú, abre el enlace para entrar; caduca en { $minutes } minutos y solo sirve una vez.
mail-sign-in-action = Soy yo: entrar
mail-sign-in-not-you = Si no fuiste tú, alguien conoce tu contraseña: cámbiala cuanto antes desde «¿Olvidaste tu contraseña?» en la página de inicio de sesión.
