# Two-step sign-in: the authenticator app and recovery codes.

## Security centre
two-step-centre-title = Verificación en dos pasos
two-step-centre-on = Activada
two-step-centre-off = Desactivada: para entrar basta la contraseña.
two-step-centre-codes-left = { $left ->
    [one] Te queda { $left } código de recuperación.
   *[other] Te quedan { $left } códigos de recuperación.
}
two-step-centre-manage = Gestionar la verificación en dos pasos
two-step-centre-set-up = Activar la verificación en dos pasos

## Settings page
two-step-title = Verificación en dos pasos
two-step-intro = Con la verificación en dos pasos, al entrar te pedimos, además de la contraseña, un código de tu aplicación de autenticación o uno de tus códigos de recuperación.
two-step-set-up-title = Configurar la aplicación de autenticación
two-step-set-up-scan = Escanea el código QR con tu aplicación de autenticación, abre el enlace desde el teléfono o escribe la clave a mano.
two-step-set-up-confirm = Escribe el código de 6 cifras que muestra la aplicación para confirmarlo.
two-step-set-up-qr-caption = Código QR para tu aplicación de autenticación
two-step-set-up-open-app = Abrir en la aplicación de autenticación
two-step-set-up-key = Clave para escribir a mano:
two-step-field-app-code = Código de la aplicación
two-step-field-app-code-hint = Las 6 cifras que muestra ahora la aplicación.
two-step-set-up-submit = Activar
two-step-set-up-again = La configuración caducó. Escanea de nuevo el código.
two-step-app-title = Aplicación de autenticación
two-step-disable = Desactivar la verificación en dos pasos
two-step-disable-confirm = Se borrarán la clave de la aplicación y los códigos de recuperación; para entrar bastará la contraseña.
two-step-disable-yes = Sí, desactivarla
two-step-disabled = La verificación en dos pasos está desactivada.
two-step-remove-app = Quitar la aplicación de autenticación
two-step-remove-app-confirm = Se borrará la clave de la aplicación. Tus llaves de acceso y tus códigos de recuperación seguirán sirviendo como segundo paso.
two-step-remove-app-yes = Sí, quitarla
two-step-app-removed = Se quitó la aplicación de autenticación. Tus llaves de acceso siguen protegiendo el inicio de sesión.
two-step-app-enabled-codes-kept = La aplicación de autenticación está activada. Tus códigos de recuperación siguen siendo los mismos: los que guardaste siguen valiendo.
two-step-already-off = La verificación en dos pasos ya estaba desactivada.
two-step-codes-title = Códigos de recuperación
two-step-codes-intro = Códigos sin usar:
two-step-codes-new = Generar códigos nuevos (los anteriores dejan de valer)
two-step-codes-once = Guarda estos códigos en un lugar seguro: solo se muestran ahora. Cada uno sirve una vez para entrar si no tienes la aplicación a mano.
two-step-codes-download = Descargar como .txt
two-step-codes-print = También puedes imprimir esta página.
two-step-codes-done = Ya los guardé: volver a Seguridad
two-step-codes-file-title = Códigos de recuperación de cuentas (cada uno sirve una vez)
two-step-back = Volver a Seguridad

## Sign-in
two-step-sign-in-title = Verificación en dos pasos
two-step-sign-in-intro = Escribe el código de tu aplicación de autenticación o uno de tus códigos de recuperación.
two-step-field-code = Código
two-step-field-code-hint = 6 cifras de la aplicación, o un código de recuperación (xxxx-xxxx-xxxx-xxxx).
two-step-sign-in-submit = Verificar y entrar
two-step-sign-in-restart = Volver a empezar
two-step-sign-in-expired = El inicio de sesión caducó. Escribe de nuevo tu usuario y contraseña.
two-step-code-used = Entraste con un código de recuperación; ya no sirve.
two-step-codes-low = Entraste con un código de recuperación y te quedan pocos: genera códigos nuevos en Seguridad.

## Problems
two-step-wrong-code = El código no es correcto o ya se usó.
two-step-malformed = Escribe las 6 cifras de la aplicación o un código de recuperación.
two-step-expired = La configuración caducó. Escanea de nuevo el código.

## Security history
event-two-step-enabled = Verificación en dos pasos activada
event-two-step-disabled = Verificación en dos pasos desactivada
event-two-step-app-removed = Aplicación de autenticación quitada (las llaves de acceso siguen)
event-recovery-codes-replaced = Códigos de recuperación nuevos
event-recovery-code-used = Inicio de sesión con un código de recuperación

## Mails
mail-two-step-enabled-subject = Verificación en dos pasos activada en cuentas
mail-two-step-enabled-body = Se activó la verificación en dos pasos de tu cuenta con una aplicación de autenticación.
mail-two-step-disabled-subject = Verificación en dos pasos desactivada en cuentas
mail-two-step-disabled-body = Se desactivó la verificación en dos pasos de tu cuenta: para entrar basta ahora la contraseña.
mail-two-step-app-removed-subject = Aplicación de autenticación quitada en cuentas
mail-two-step-app-removed-body = Se quitó la aplicación de autenticación de tu cuenta. Tus llaves de acceso siguen pidiéndose como segundo paso al entrar.
mail-two-step-codes-subject = Nuevos códigos de recuperación en cuentas
mail-two-step-codes-body = Se generaron códigos de recuperación nuevos para tu cuenta; los anteriores ya no sirven.
mail-two-step-code-used-subject = Se usó un código de recuperación en cuentas
mail-two-step-code-used-body = Alguien entró en tu cuenta con uno de tus códigos de recuperación.
mail-two-step-codes-left = Te quedan { $left } códigos de recuperación.
mail-two-step-codes-low = Te quedan pocos: genera códigos nuevos en la página de seguridad.
mail-two-step-action = Revisar la seguridad de la cuenta
mail-two-step-not-you = Si no fuiste tú, pulsa «No fui yo» en la página de seguridad y cambia tu contraseña.

## Admins
team-action-reset-two-step = Quitar la verificación en dos pasos
team-confirm-reset-two-step = Se borrarán su aplicación de autenticación, sus llaves de acceso y sus códigos de recuperación (por ejemplo, si perdió el teléfono y los códigos). Hasta que vuelva a activarla, al entrar no se le pedirá un segundo paso.
team-confirm-reset-two-step-required = Se borrarán su aplicación de autenticación, sus llaves de acceso y sus códigos de recuperación (por ejemplo, si perdió el teléfono y los códigos). Como el equipo exige la verificación en dos pasos, al entrar tendrá que configurarla de nuevo antes de hacer nada más.
team-confirm-yes-reset-two-step = Sí, quitársela a
team-two-step-reset = Se quitó la verificación en dos pasos; le avisamos por correo.
mail-two-step-reset-subject = Tu administrador quitó la verificación en dos pasos en cuentas
mail-two-step-reset-body = Tu administrador quitó la verificación en dos pasos de tu cuenta: se borraron tu aplicación de autenticación, tus llaves de acceso y tus códigos de recuperación. Vuelve a activarla en la página de seguridad; si tu equipo la exige, se te pedirá al entrar.
team-two-step-title = Verificación en dos pasos del equipo
team-two-step-field = Exigir la verificación en dos pasos a todos los vendedores (quien no la tenga deberá configurarla al entrar)
team-two-step-save = Guardar
team-two-step-required = Ahora el equipo debe usar la verificación en dos pasos.
team-two-step-not-required = El equipo ya no está obligado a usar la verificación en dos pasos.
