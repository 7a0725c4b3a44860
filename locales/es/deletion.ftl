# Deleting an account: the page, the grace period, the restore, the team's deletions.

deletion-title = Eliminar mi cuenta
deletion-intro = Tu cuenta quedará marcada para eliminarse. Hasta la fecha indicada puedes restaurarla; después se borra para siempre.
deletion-what-title = Qué se elimina
deletion-what-profile = Tu perfil, tu foto, tus sesiones, tu historial de seguridad y tus enlaces pendientes.
deletion-what-invoice = Tus datos de factura.
deletion-what-team = { $count ->
    [one] Tu vendedor (también se elimina su cuenta, con todos sus datos):
   *[other] Tus { $count } vendedores (también se eliminan sus cuentas, con todos sus datos):
}
deletion-when = Se eliminará definitivamente el
deletion-grace-hint = Al confirmar se cierran todas tus sesiones (y las de tus vendedores) y te enviamos un correo con un enlace para restaurar la cuenta.
deletion-field-email = Escribe tu correo para confirmar
deletion-field-email-hint = El correo de tu cuenta, tal como lo usas para entrar.
deletion-field-password = Contraseña actual
deletion-submit = Eliminar mi cuenta
deletion-cancel-link = No, volver a mi perfil
deletion-error-email-mismatch = No es el correo de tu cuenta.
deletion-error-password-wrong = La contraseña no es correcta.
deletion-done-title = Tu cuenta se eliminará
deletion-done-date = Tu cuenta se eliminará definitivamente el
deletion-done-restore = Hasta entonces puedes restaurarla con el enlace que te enviamos por correo, o entrando con tu contraseña.
deletion-pending-title = Cuenta pendiente de eliminación
deletion-pending-date = Esta cuenta se eliminará definitivamente el
deletion-pending-restore-hint = Si quieres conservarla, restáurala ahora: entrarás como siempre.
deletion-pending-ask-admin = Mientras tanto no puedes entrar. Si es un error, pide a tu administrador que la restaure.
deletion-restore-submit = Restaurar mi cuenta
deletion-restore-expired = No se pudo restaurar la cuenta: vuelve a entrar con tu contraseña.
deletion-restored = Tu cuenta está restaurada; ya no se eliminará.
deletion-restored-link = Tu cuenta está restaurada; ya puedes entrar.
deletion-link-title = Restaurar tu cuenta
deletion-link-lead = Tu cuenta está pendiente de eliminación. Pulsa el botón para conservarla.
deletion-link-invalid = Este enlace ya no sirve: se usó, caducó o la cuenta ya se eliminó.
deletion-profile-title = Eliminar mi cuenta
deletion-profile-hint = Se elimina tras un periodo de gracia en el que aún puedes restaurarla.
deletion-profile-link = Eliminar mi cuenta

team-action-delete = Eliminar
team-confirm-delete = Se cierran sus sesiones y su cuenta se elimina tras el periodo de gracia; hasta entonces puedes restaurarla.
team-confirm-yes-delete = Sí, eliminar a
team-action-restore = Restaurar a
team-status-deleting = Se eliminará el
team-deleted = El vendedor quedó marcado para eliminarse.
team-restored = El vendedor fue restaurado.

mail-deletion-subject = Tu cuenta de cuentas se eliminará
mail-deletion-body = Pediste eliminar tu cuenta. Se eliminará definitivamente el { $date }.
mail-deletion-restore = Si cambias de idea antes de esa fecha, abre el enlace para restaurarla.
mail-deletion-action = Restaurar mi cuenta
mail-deletion-not-you = Si no fuiste tú, restaura la cuenta con el enlace y cambia tu contraseña: alguien la conoce.

event-deletion-requested = Cuenta marcada para eliminarse
event-deletion-cancelled = Cuenta restaurada: ya no se eliminará
