# Passkeys (WebAuthn).

## Settings page
passkeys-title = Llaves de acceso
passkeys-intro = Una llave de acceso vive en tu teléfono, tu ordenador o una llave de seguridad y se desbloquea con tu huella, tu cara o tu PIN. Sirve para entrar sin contraseña y también como segundo paso después de la contraseña.
passkeys-list-title = Tus llaves de acceso
passkeys-none = Todavía no tienes ninguna llave de acceso.
passkeys-added = Añadida
passkeys-last-used = Último uso
passkeys-never-used = Nunca
passkeys-new-name = Nombre
passkeys-rename = Cambiar el nombre
passkeys-remove = Quitar
passkeys-remove-confirm = Ya no podrás entrar con esta llave de acceso.
passkeys-remove-yes = Sí, quitarla
passkeys-add-title = Añadir una llave de acceso
passkeys-need-js = Añadir una llave de acceso necesita JavaScript: actívalo en tu navegador. Lo demás (la aplicación de autenticación, los códigos de recuperación) funciona sin él.
passkeys-need-host-name = Los navegadores no aceptan llaves de acceso en una dirección IP. Abre cuentas con un nombre de equipo (por ejemplo http://localhost:8000) y pide al administrador que lo ponga en CUENTAS_BASE_URL.
passkeys-name = Nombre de la llave
passkeys-name-hint = Para reconocerla en la lista, por ejemplo «Teléfono» o «Portátil del trabajo». Hasta 60 caracteres.
passkeys-add = Añadir una llave de acceso
passkeys-centre-count = { $count ->
    [0] No tienes llaves de acceso.
    [one] Tienes { $count } llave de acceso.
   *[other] Tienes { $count } llaves de acceso.
}
two-step-passkeys-link = También puedes usar llaves de acceso como segundo paso, o para entrar sin contraseña
passkeys-centre-manage = Gestionar las llaves de acceso

## Outcomes
passkey-added = Llave de acceso añadida.
passkey-renamed = Nombre de la llave de acceso cambiado.
passkey-removed = Llave de acceso quitada.
passkey-removed-two-step-off = Llave de acceso quitada. Era tu último segundo paso: la verificación en dos pasos está desactivada y tus códigos de recuperación ya no sirven.

## Sign-in
passkey-sign-in-button = Entrar con una llave de acceso
passkey-second-step-button = Usar una llave de acceso
passkey-sign-in-need-js = Entrar con una llave de acceso necesita JavaScript: actívalo en tu navegador, o entra con tu usuario y contraseña.
passkey-second-step-need-js = Usar una llave de acceso necesita JavaScript: actívalo en tu navegador, o escribe un código de tu aplicación o uno de recuperación.

## Script messages
passkey-js-waiting = Sigue las indicaciones de tu navegador…
passkey-js-failed = No se pudo usar la llave de acceso. Inténtalo de nuevo.
passkey-js-unsupported = Este navegador no admite llaves de acceso.

## Problems
passkey-refused = La llave de acceso no es válida para esta cuenta.
passkey-expired = La operación caducó o ya se usó. Empieza de nuevo.
passkey-malformed = La respuesta de la llave de acceso no es válida.
passkey-name-invalid = El nombre debe tener como mucho 60 caracteres, sin caracteres de control.
passkey-already-added = Esta llave de acceso ya está añadida.
passkey-none = No hay llaves de acceso para esta cuenta.
passkey-pending-deletion = Esta cuenta está pendiente de eliminación.
passkey-pending-deletion-ask-admin = Esta cuenta está pendiente de eliminación. Si es un error, pide a tu administrador que la restaure.

## Security history
event-passkey-added = Llave de acceso añadida
event-passkey-removed = Llave de acceso quitada

## Mails
mail-passkey-added-subject = Nueva llave de acceso en cuentas
mail-passkey-added-body = Se añadió una llave de acceso a tu cuenta: con ella se puede entrar sin contraseña.
mail-passkey-removed-subject = Llave de acceso quitada en cuentas
mail-passkey-removed-body = Se quitó una llave de acceso de tu cuenta.
mail-passkey-removed-two-step-off-subject = Llave de acceso quitada y verificación en dos pasos desactivada en cuentas
mail-passkey-removed-two-step-off-body = Se quitó la última llave de acceso de tu cuenta, y con ella la verificación en dos pasos: al entrar ya no se pide un segundo paso y tus códigos de recuperación ya no sirven.
passkey-remove-last-way-in = Es tu única forma de entrar: crea una contraseña (con «¿Olvidaste tu contraseña?») o vincula otra cuenta antes de quitar esta llave.
