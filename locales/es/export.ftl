# Exporting one's data: the profile section and the export page.
export-section-title = Tus datos
export-section-text = Descarga una copia de todo lo que cuentas guarda sobre ti.
export-section-link = Exportar mis datos
export-title = Exportar mis datos
export-intro = Descarga un archivo ZIP con una copia de tus datos. Contiene:
export-item-json = datos.json: tu perfil, tus preferencias (idioma, moneda, zona horaria) y si tu correo está confirmado;
export-item-invoice = los datos de tus facturas;
export-item-team = la lista de tus vendedores (nombre, usuario, correo y estado; ninguna contraseña);
export-item-sessions = tus sesiones: cuándo empezaron, su última actividad, la dirección y el navegador;
export-item-history = tu historial de seguridad;
export-item-photo = foto.jpg: tu foto de perfil, si subiste una.
export-no-secrets = No incluye contraseñas, códigos ni identificadores de sesión.
export-submit = Descargar mis datos
event-data-exported = Datos exportados
