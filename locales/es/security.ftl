nav-security = Seguridad
login-field-remember = Recordarme en este navegador

# The security centre
security-title = Seguridad
security-intro = Dónde está abierta tu cuenta y qué le ha pasado. Si algo no lo hiciste tú, usa «No fui yo».
security-sessions-title = Sesiones abiertas
security-this-session = Esta sesión
security-address = Dirección
security-started = Inicio
security-last-seen = Última actividad
security-remembered-until = Recordada hasta
security-end-session = Cerrar sesión
security-end-others = Cerrar las demás sesiones
security-session-ended = Se cerró esa sesión.
security-other-sessions-ended = Se cerraron las demás sesiones.
security-history-title = Historial de seguridad
security-history-empty = Todavía no hay nada en el historial.
security-history-pages = Páginas del historial
security-history-page = Página
security-history-newer = Más recientes
security-history-older = Más antiguos
security-by = por
security-account-title = Tu cuenta y tus datos
security-not-me-title = ¿Ves algo que no hiciste?
security-not-me-intro = «No fui yo» cierra todas las sesiones (también esta), desactiva tu contraseña actual y anula los enlaces enviados por correo. Te enviaremos un enlace para elegir una contraseña nueva.
security-not-me-button = No fui yo
security-not-me-confirm = ¿Seguro? Saldrás de la cuenta en todos los dispositivos y necesitarás el enlace del correo para volver a entrar.
security-not-me-yes = Sí, proteger mi cuenta
security-not-me-done = Cerramos todas tus sesiones y desactivamos tu contraseña. Te enviamos un correo con un enlace para elegir una nueva; si no llega, pide otro en «¿Olvidaste tu contraseña?».

# Re-authentication
reauth-title = Confirma que eres tú
reauth-intro = Para continuar, escribe otra vez tu contraseña.
reauth-field-password = Contraseña
reauth-submit = Continuar
reauth-done = Gracias. Ya puedes continuar.
reauth-wrong-password = La contraseña no es correcta.

# Devices
device-browser-on-system = { $browser } en { $system }
device-unknown-browser-on = Navegador desconocido en { $system }
device-unknown = Dispositivo desconocido

# What happened, in the history
event-signed-in = Inicio de sesión
event-sign-in-failed = Intento de inicio de sesión fallido
event-sign-in-locked = Inicios de sesión bloqueados por demasiados intentos
event-sign-in-challenged = Inicio de sesión pendiente de confirmar por correo
event-sign-in-confirmed = Inicio de sesión confirmado por correo
event-password-changed = Contraseña cambiada
event-password-reset = Contraseña restablecida con un enlace
event-email-change-requested = Cambio de correo solicitado
event-email-changed = Correo cambiado
event-email-verified = Correo confirmado
event-signed-up = Cuenta creada
event-vendedor-created = Cuenta creada por tu administrador
event-deactivated = Cuenta desactivada
event-activated = Cuenta activada
event-temporary-password-set = Contraseña temporal nueva
event-tutorial-reset = Tutorial reiniciado
event-reauthenticated = Contraseña confirmada para una acción sensible
event-session-ended = Otra sesión cerrada
event-other-sessions-ended = Las demás sesiones cerradas
event-account-locked-down = «No fui yo»: sesiones cerradas y contraseña desactivada

# Mail
mail-locked-down-subject = Protegimos tu cuenta de cuentas
mail-locked-down-body = Pulsaste «No fui yo»: cerramos todas las sesiones de tu cuenta, desactivamos tu contraseña y anulamos los enlaces enviados antes.
mail-locked-down-action = Elegir una contraseña nueva
mail-locked-down-note = Si no fuiste tú quien pulsó «No fui yo», elige igualmente una contraseña nueva: nadie puede entrar con la anterior.
mail-new-sign-in-subject = Nuevo inicio de sesión en cuentas
mail-new-sign-in-body = Se inició sesión en tu cuenta desde un navegador que no había usado antes: { $device }, desde la dirección { $address }, el { $time }.
mail-new-api-sign-in-body = Se inició sesión en tu cuenta a través de la API con el cliente «{ $device }», desde la dirección { $address }, el { $time }. Avisamos de cada inicio de sesión por la API, porque sus clientes no guardan un navegador que podamos reconocer.
mail-new-sign-in-action = Revisar mi seguridad
mail-new-sign-in-note = Si fuiste tú, no hace falta que hagas nada. Si no, entra en Seguridad y pulsa «No fui yo».
