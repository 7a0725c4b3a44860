app-name = cuentas
skip-to-content = Saltar al contenido
footer-text = cuentas · tu cuenta y tu equipo
nav-label = Navegación principal
nav-dashboard = Inicio
nav-login = Iniciar sesión
nav-logout = Cerrar sesión
role-admin = Admin
role-vendedor = Vendedor

field-username = Nombre de usuario
field-email = Correo electrónico
field-member-since = Miembro desde

login-title = Iniciar sesión
login-field-login = Correo electrónico o nombre de usuario
login-field-password = Contraseña
login-submit = Entrar
login-failed = El usuario o la contraseña no son correctos.
logout-done = Has cerrado la sesión.

dashboard-title = Inicio
dashboard-greeting = Hola
dashboard-intro = Este es tu espacio en cuentas. Desde aquí gestionas tu cuenta.

error-summary-title = Revisa estos campos
error-required = Este campo es obligatorio.
error-username-required = Escribe un nombre de usuario.
error-username-too-short = El nombre de usuario debe tener al menos 3 caracteres.
error-username-too-long = El nombre de usuario puede tener como máximo 150 caracteres.
error-username-characters = Usa solo letras, números y los signos @ . + - _
error-email-required = Escribe un correo electrónico.
error-email-invalid = Escribe un correo electrónico válido, como nombre@ejemplo.com.

password-too-short = La contraseña debe tener al menos { $min } caracteres.
password-too-long = La contraseña puede tener como máximo { $max } caracteres.
password-entirely-numeric = La contraseña no puede ser solo números.
password-needs-letter-and-digit = La contraseña debe tener al menos una letra y un número.
password-common = Esa contraseña es demasiado común.
password-too-similar = La contraseña se parece demasiado a tu nombre de usuario, correo o nombre.
password-too-weak = La contraseña es demasiado fácil de adivinar; prueba con varias palabras poco comunes.

error-go-home = Volver al inicio
error-400-title = Solicitud no válida
error-400-message = No pudimos entender la solicitud. Vuelve atrás e inténtalo de nuevo.
error-401-title = Inicia sesión
error-401-message = Necesitas iniciar sesión para continuar.
error-403-title = Acceso denegado
error-403-message = No se pudo verificar la solicitud o no tienes permiso. Recarga la página e inténtalo de nuevo.
error-404-title = Página no encontrada
error-404-message = La página que buscas no existe o ya no está disponible.
error-405-title = Método no permitido
error-405-message = Esta dirección no acepta ese tipo de solicitud.
error-413-title = Archivo demasiado grande
error-413-message = Lo que enviaste supera el tamaño permitido.
error-422-title = Datos no válidos
error-422-message = Algunos datos no son válidos. Revísalos e inténtalo de nuevo.
error-429-title = Demasiados intentos
error-429-message = Hubo demasiados intentos seguidos. Espera unos minutos antes de volver a intentarlo.
error-500-title = Algo salió mal
error-500-message = Tuvimos un problema al procesar tu solicitud. Inténtalo de nuevo en unos minutos.
error-503-title = Servicio no disponible
error-503-message = El servicio no está disponible en este momento. Inténtalo de nuevo en unos minutos.
