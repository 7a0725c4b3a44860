# Exporting one's data: the profile section and the export page.
export-section-title = Your data
export-section-text = Download a copy of everything cuentas keeps about you.
export-section-link = Export my data
export-title = Export my data
export-intro = Download a ZIP file with a copy of your data. It holds:
export-item-json = datos.json: your profile, your preferences (language, currency, time zone) and whether your email address is confirmed;
export-item-invoice = your invoice settings;
export-item-team = the list of your vendedores (name, username, email and state; no password);
export-item-sessions = your sessions: when they started, when they were last active, the address and the browser;
export-item-history = your security history;
export-item-photo = foto.jpg: your profile photo, if you uploaded one.
export-no-secrets = It holds no passwords, codes or session identifiers.
export-submit = Download my data
event-data-exported = Data exported
